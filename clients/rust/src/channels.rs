//! One tonic `Channel` per distinct (target, tls) pair, made on first use and reused by every
//! case after it. Channels connect lazily, so a connection failure is the call's status.

use crate::case::Tls;
use std::collections::HashMap;
use std::sync::Mutex;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

#[derive(Default)]
pub struct Channels {
    cache: Mutex<HashMap<(String, Option<Tls>), Channel>>,
}

impl Channels {
    pub fn get(&self, target: &str, tls: Option<&Tls>) -> Result<Channel, String> {
        let key = (target.to_owned(), tls.cloned());
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(channel) = cache.get(&key) {
            return Ok(channel.clone());
        }
        let channel = endpoint(target, tls)?.connect_lazy();
        cache.insert(key, channel.clone());
        Ok(channel)
    }
}

/// `host:port` over h2c, or over TLS trusting only the case's CA; `server_name` is both the
/// name the certificate must match (SNI) and the `:authority` (keeping the target's port).
fn endpoint(target: &str, tls: Option<&Tls>) -> Result<Endpoint, String> {
    let bad_target = |e: &dyn std::fmt::Display| format!("bad target {target:?}: {e}");
    let Some(tls) = tls else {
        return Endpoint::from_shared(format!("http://{target}")).map_err(|e| bad_target(&e));
    };
    let mut endpoint =
        Endpoint::from_shared(format!("https://{target}")).map_err(|e| bad_target(&e))?;
    let mut config = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&tls.ca_pem));
    if let Some(name) = &tls.server_name {
        config = config.domain_name(name.clone());
        let port = endpoint
            .uri()
            .port_u16()
            .map(|p| format!(":{p}"))
            .unwrap_or_default();
        let origin = format!("https://{name}{port}")
            .parse()
            .map_err(|e| format!("bad server_name {name:?}: {e}"))?;
        endpoint = endpoint.origin(origin);
    }
    match (&tls.client_cert_pem, &tls.client_key_pem) {
        (Some(cert), Some(key)) => config = config.identity(Identity::from_pem(cert, key)),
        (None, None) => {}
        _ => return Err("tls: client_cert_pem and client_key_pem go together".into()),
    }
    endpoint
        .tls_config(config)
        .map_err(|e| format!("tls: {}", chain(&e)))
}

/// An error with its sources: tonic's transport errors say little more than "transport error".
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}
