//! One case request line of the contract, parsed and checked, and the result line written back.
//! A line that is not a JSON object with a string `id` is answered under `line-N`; anything else
//! wrong with a case is answered under its own id. Unknown fields are ignored.

use crate::metadata::JsonMetadata;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Default, Deserialize)]
pub struct Case {
    pub id: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub requests: Vec<Value>,
    #[serde(default)]
    pub metadata: JsonMetadata,
    pub timeout_ms: Option<Value>,
    pub cancel_after_responses: Option<Value>,
    pub path: Option<String>,
    pub target: Option<String>,
    pub tls: Option<Tls>,
    pub compression: Option<String>,
    pub bench: Option<Bench>,
}

/// The `tls` field; also part of the key of the channel cache.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq, Hash)]
pub struct Tls {
    pub ca_pem: String,
    pub server_name: Option<String>,
    pub client_cert_pem: Option<String>,
    pub client_key_pem: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Bench {
    pub calls: Value,
    pub concurrency: Value,
}

/// A line that could not be run: the id to answer under and why.
#[derive(Debug, PartialEq)]
pub struct Rejected {
    pub id: String,
    pub error: String,
}

/// Parses line number `n` (1-based) of stdin.
pub fn parse_line(line: &str, n: usize) -> Result<Case, Rejected> {
    let bad_line = |error: String| Rejected {
        id: format!("line-{n}"),
        error,
    };
    let value: Value = serde_json::from_str(line)
        .map_err(|e| bad_line(format!("bad case request: not JSON: {e}")))?;
    let id = match value.as_object().map(|o| o.get("id")) {
        None => return Err(bad_line("bad case request: not a JSON object".into())),
        Some(Some(Value::String(id))) if !id.is_empty() => id.clone(),
        Some(_) => return Err(bad_line("bad case request: no string id".into())),
    };
    serde_json::from_value(value).map_err(|e| Rejected {
        id,
        error: format!("bad case request: {e}"),
    })
}

/// A field that must be a positive integer (`timeout_ms`, bench's `calls` and `concurrency`).
pub fn positive_int(value: &Value, name: &str) -> Result<u64, String> {
    match value.as_u64() {
        Some(n) if n > 0 => Ok(n),
        _ => Err(format!("{name} must be a positive integer, got {value}")),
    }
}

/// A field that must be a non-negative integer (`cancel_after_responses`).
pub fn non_negative_int(value: &Value, name: &str) -> Result<u64, String> {
    value
        .as_u64()
        .ok_or_else(|| format!("{name} must be a non-negative integer, got {value}"))
}

/// One result line. `responses` is present with `status` and `error`, absent with `bench`.
#[derive(Debug, Default, Serialize)]
pub struct CaseResult {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responses: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "JsonMetadata::is_empty")]
    pub initial_metadata: JsonMetadata,
    #[serde(skip_serializing_if = "JsonMetadata::is_empty")]
    pub trailing_metadata: JsonMetadata,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bench: Option<Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusJson {
    pub code: i32,
    pub message: String,
}

impl CaseResult {
    pub fn error(id: String, error: String) -> Self {
        CaseResult {
            id,
            responses: Some(Vec::new()),
            error: Some(error),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_json_is_answered_under_the_line_number() {
        let r = parse_line("{nope", 7).unwrap_err();
        assert_eq!(r.id, "line-7");
        assert!(r.error.contains("not JSON"));
    }

    #[test]
    fn not_an_object_or_no_string_id_is_a_bad_line() {
        assert_eq!(parse_line("[1]", 2).unwrap_err().id, "line-2");
        assert_eq!(parse_line(r#"{"id": 3}"#, 3).unwrap_err().id, "line-3");
        assert_eq!(
            parse_line(r#"{"method": "Teams/GetTeam"}"#, 4)
                .unwrap_err()
                .id,
            "line-4"
        );
    }

    #[test]
    fn a_bad_field_is_answered_under_the_case_id() {
        let r = parse_line(r#"{"id": "c", "requests": 5}"#, 1).unwrap_err();
        assert_eq!(r.id, "c");
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let c = parse_line(
            r#"{"id": "c", "method": "Teams/GetTeam", "requests": [{}], "future": 1, "timeout_ms": 500}"#,
            1,
        )
        .unwrap();
        assert_eq!(c.method, "Teams/GetTeam");
        assert_eq!(
            positive_int(c.timeout_ms.as_ref().unwrap(), "timeout_ms"),
            Ok(500)
        );
    }

    #[test]
    fn timeout_must_be_a_positive_integer() {
        for bad in ["0", "-5", "1.5", "\"500\"", "null"] {
            let v: Value = serde_json::from_str(bad).unwrap();
            assert!(positive_int(&v, "timeout_ms").is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn error_results_carry_an_empty_response_list() {
        let line = serde_json::to_string(&CaseResult::error("x".into(), "boom".into())).unwrap();
        assert_eq!(line, r#"{"id":"x","responses":[],"error":"boom"}"#);
    }
}
