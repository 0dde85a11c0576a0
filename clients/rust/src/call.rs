//! One gRPC call of a case. Every kind of RPC takes the same path, tonic's bidirectional
//! `streaming`: the method's descriptor only decides how many requests may go out. The deadline
//! goes to the server as grpc-timeout and is also enforced here, around the whole call, so a
//! call that outlives it always ends DEADLINE_EXCEEDED and never waits for the server.

use crate::case::{non_negative_int, positive_int, Case, CaseResult, StatusJson};
use crate::codec::DynamicCodec;
use crate::metadata::{self, JsonMetadata};
use http::uri::PathAndQuery;
use prost_reflect::{DynamicMessage, MethodDescriptor, SerializeOptions};
use serde_json::Value;
use std::time::{Duration, Instant};
use tonic::codec::CompressionEncoding;
use tonic::metadata::MetadataMap;
use tonic::transport::Channel;
use tonic::{Code, Request, Status};

/// A case checked and decoded up front, so everything wrong with the request itself is an
/// error before any traffic is sent. Cloneable requests let bench repeat the call.
pub struct Call {
    method: MethodDescriptor,
    path: PathAndQuery,
    requests: Vec<DynamicMessage>,
    metadata: MetadataMap,
    timeout: Option<Duration>,
    cancel_after: Option<usize>,
    gzip: bool,
}

/// What a call observed.
#[derive(Debug)]
pub struct Outcome {
    pub status: StatusJson,
    pub responses: Vec<Value>,
    pub initial: JsonMetadata,
    pub trailing: JsonMetadata,
}

impl Outcome {
    pub fn into_result(self, id: String) -> CaseResult {
        CaseResult {
            id,
            status: Some(self.status),
            responses: Some(self.responses),
            initial_metadata: self.initial,
            trailing_metadata: self.trailing,
            ..Default::default()
        }
    }
}

impl Call {
    pub fn prepare(case: &Case) -> Result<Call, String> {
        let method = crate::descriptors::find_method(&case.method)?;
        let path = case
            .path
            .clone()
            .unwrap_or_else(|| format!("/{}", case.method));
        let path =
            PathAndQuery::try_from(path.as_str()).map_err(|e| format!("bad path {path:?}: {e}"))?;
        if !method.is_client_streaming() && case.requests.len() != 1 {
            return Err(format!(
                "{} takes exactly one request, got {}",
                method.full_name(),
                case.requests.len()
            ));
        }
        let input = method.input();
        let requests = case
            .requests
            .iter()
            .enumerate()
            .map(|(i, json)| {
                DynamicMessage::deserialize(input.clone(), json)
                    .map_err(|e| format!("request {i} is not a valid {}: {e}", input.full_name()))
            })
            .collect::<Result<_, _>>()?;
        let timeout = match &case.timeout_ms {
            Some(v) => Some(Duration::from_millis(positive_int(v, "timeout_ms")?)),
            None => None,
        };
        let cancel_after = match &case.cancel_after_responses {
            Some(v) => Some(non_negative_int(v, "cancel_after_responses")? as usize),
            None => None,
        };
        let gzip = match case.compression.as_deref() {
            None => false,
            Some("gzip") => true,
            Some(other) => return Err(format!("unsupported compression {other:?}: only \"gzip\"")),
        };
        Ok(Call {
            method,
            path,
            requests,
            metadata: metadata::decode(&case.metadata)?,
            timeout,
            cancel_after,
            gzip,
        })
    }

    /// Makes the call on `channel` and reports what happened; never fails.
    pub async fn run(&self, channel: Channel) -> Outcome {
        let mut outcome = Outcome {
            status: StatusJson {
                code: 0,
                message: String::new(),
            },
            responses: Vec::new(),
            initial: JsonMetadata::new(),
            trailing: JsonMetadata::new(),
        };
        let started = Instant::now();
        let exchange = self.exchange(channel, &mut outcome);
        let mut status = match self.timeout {
            None => exchange.await,
            Some(limit) => match tokio::time::timeout(limit, exchange).await {
                Ok(status) => status,
                Err(_) => Status::deadline_exceeded("deadline exceeded (client-side timer)"),
            },
        };
        // The server starts its clock (grpc-timeout) when the call arrives and resets the
        // stream (CANCEL) when it runs out; that can reach us just before our own timer fires.
        // A call cancelled, but not by us, once its deadline has passed exceeded its deadline.
        let ours = self
            .cancel_after
            .is_some_and(|n| outcome.responses.len() >= n);
        if status.code() == Code::Cancelled
            && !ours
            && self.timeout.is_some_and(|t| started.elapsed() >= t)
        {
            status = Status::deadline_exceeded(format!("deadline exceeded ({})", status.message()));
        }
        // A unary response counts only with an OK status (as every gRPC library reports it).
        if status.code() != Code::Ok && !self.method.is_server_streaming() {
            outcome.responses.clear();
        }
        outcome.status = StatusJson {
            code: status.code() as i32,
            message: status.message().to_owned(),
        };
        outcome
    }

    /// The call itself; returns its final status and fills in what arrived on the way.
    async fn exchange(&self, channel: Channel, out: &mut Outcome) -> Status {
        let mut grpc =
            tonic::client::Grpc::new(channel).accept_compressed(CompressionEncoding::Gzip);
        if self.gzip {
            grpc = grpc.send_compressed(CompressionEncoding::Gzip);
        }
        let mut request = Request::new(tokio_stream::iter(self.requests.clone()));
        *request.metadata_mut() = self.metadata.clone();
        if let Some(timeout) = self.timeout {
            request.set_timeout(timeout);
        }
        if let Err(e) = grpc.ready().await {
            return Status::unavailable(format!("channel not ready: {e}"));
        }
        let codec = DynamicCodec::new(self.method.output());
        let call = grpc.streaming(request, self.path.clone(), codec);
        let response = if self.cancel_after == Some(0) {
            // Start the call (one poll hands the request to the connection), then abandon it.
            let _ = tokio::time::timeout(Duration::ZERO, call).await;
            return cancelled(0);
        } else {
            call.await
        };
        let mut stream = match response {
            Ok(response) => {
                let (headers, stream, _) = response.into_parts();
                out.initial = metadata::encode(&headers);
                stream
            }
            Err(status) => {
                // A trailers-only response: tonic hands its headers over as the status's metadata.
                out.trailing = metadata::encode(status.metadata());
                return status;
            }
        };
        loop {
            match stream.message().await {
                Ok(Some(message)) => {
                    out.responses.push(to_json(&message));
                    if self.cancel_after == Some(out.responses.len()) {
                        drop(stream); // resets the HTTP/2 stream: the server sees the cancel
                        return cancelled(out.responses.len());
                    }
                }
                Ok(None) => break,
                Err(status) => {
                    out.trailing = metadata::encode(status.metadata());
                    return status;
                }
            }
        }
        match stream.trailers().await {
            Ok(trailers) => {
                out.trailing = trailers.map(|t| metadata::encode(&t)).unwrap_or_default();
                if !self.method.is_server_streaming() && out.responses.is_empty() {
                    return Status::internal("Missing response message."); // as tonic's own unary
                }
                Status::new(Code::Ok, "")
            }
            Err(status) => status,
        }
    }
}

fn cancelled(after: usize) -> Status {
    Status::cancelled(format!("cancelled by the client after {after} responses"))
}

/// proto3 JSON of a response (lowerCamelCase names, default values omitted).
fn to_json(message: &DynamicMessage) -> Value {
    message
        .serialize_with_options(serde_json::value::Serializer, &SerializeOptions::new())
        .unwrap_or_else(|e| Value::String(format!("<cannot render response as JSON: {e}>")))
}
