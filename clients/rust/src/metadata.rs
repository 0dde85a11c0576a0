//! Metadata between the contract's JSON (key -> list of values, `-bin` values in padded
//! standard base64) and tonic's `MetadataMap` (which keeps binary values as raw bytes).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::collections::BTreeMap;
use tonic::metadata::{
    AsciiMetadataKey, AsciiMetadataValue, BinaryMetadataKey, BinaryMetadataValue, KeyAndValueRef,
    MetadataMap,
};

pub type JsonMetadata = BTreeMap<String, Vec<String>>;

/// Builds the outgoing metadata of a case; any bad key or value is an error for the case.
pub fn decode(input: &JsonMetadata) -> Result<MetadataMap, String> {
    let mut map = MetadataMap::new();
    for (key, values) in input {
        let key = key.to_ascii_lowercase();
        for value in values {
            if key.ends_with("-bin") {
                let bytes = STANDARD.decode(value).map_err(|e| {
                    format!("metadata {key:?}: {value:?} is not standard base64: {e}")
                })?;
                let k = BinaryMetadataKey::from_bytes(key.as_bytes())
                    .map_err(|e| format!("metadata key {key:?}: {e}"))?;
                map.append_bin(k, BinaryMetadataValue::from_bytes(&bytes));
            } else {
                let k = AsciiMetadataKey::from_bytes(key.as_bytes())
                    .map_err(|e| format!("metadata key {key:?}: {e}"))?;
                let v = AsciiMetadataValue::try_from(value.as_str())
                    .map_err(|e| format!("metadata {key:?}: value {value:?}: {e}"))?;
                map.append(k, v);
            }
        }
    }
    Ok(map)
}

/// Renders received metadata for a result, every value as received (tonic keeps repeated
/// headers apart; a value it cannot decode as base64 is reported as received).
pub fn encode(map: &MetadataMap) -> JsonMetadata {
    let mut out = JsonMetadata::new();
    for entry in map.iter() {
        let (key, value) = match entry {
            KeyAndValueRef::Ascii(k, v) => (
                k.as_str(),
                String::from_utf8_lossy(v.as_encoded_bytes()).into_owned(),
            ),
            KeyAndValueRef::Binary(k, v) => {
                let text = match v.to_bytes() {
                    Ok(bytes) => STANDARD.encode(bytes),
                    Err(_) => String::from_utf8_lossy(v.as_encoded_bytes()).into_owned(),
                };
                (k.as_str(), text)
            }
        };
        out.entry(key.to_owned()).or_default().push(value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_values_round_trip_as_padded_base64() {
        let mut input = JsonMetadata::new();
        input.insert("x-teams-echo-trailing-bin".into(), vec!["AAEC/w==".into()]);
        input.insert("x-plain".into(), vec!["a".into(), "b".into()]);
        let map = decode(&input).unwrap();
        assert_eq!(encode(&map), input);
    }

    #[test]
    fn bad_base64_is_an_error() {
        let mut input = JsonMetadata::new();
        input.insert("k-bin".into(), vec!["not base64!".into()]);
        assert!(decode(&input).unwrap_err().contains("base64"));
    }
}
