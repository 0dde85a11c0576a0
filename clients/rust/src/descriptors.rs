//! The descriptor pool: proto/ (compiled by build.rs) plus grpc.health.v1 (the descriptor set
//! tonic-health ships), so the executor can look up any method the contract may name.

use prost_reflect::{DescriptorPool, MethodDescriptor};
use std::sync::OnceLock;

static TEAMS_DESCRIPTORS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/descriptors.bin"));

/// The process-wide pool, decoded once.
pub fn pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut pool =
            DescriptorPool::decode(TEAMS_DESCRIPTORS).expect("descriptors from build.rs");
        pool.decode_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .expect("tonic-health descriptors");
        pool
    })
}

/// Looks up `package.Service/Method` (the contract's `method` field).
pub fn find_method(name: &str) -> Result<MethodDescriptor, String> {
    let (service, method) = name
        .rsplit_once('/')
        .ok_or_else(|| format!("bad method {name:?}: want Service/Method"))?;
    let svc = pool().get_service_by_name(service).ok_or_else(|| {
        format!("unknown method {name:?}: no service {service:?} in the descriptors")
    })?;
    let found = svc.methods().find(|m| m.name() == method);
    found.ok_or_else(|| {
        format!("unknown method {name:?}: service {service:?} has no method {method:?}")
    })
}
