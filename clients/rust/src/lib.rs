//! The Rust client of the Teams interop harness (clients/CONTRACT.md). Everything is generic
//! over the protobuf descriptors compiled from proto/ at build time: a method is found by name,
//! its messages are prost-reflect `DynamicMessage`s, and one tonic codec carries them all, so a
//! new RPC in the proto needs no change here.

pub mod bench;
pub mod call;
pub mod case;
pub mod channels;
pub mod codec;
pub mod contract;
pub mod demo;
pub mod descriptors;
pub mod metadata;
