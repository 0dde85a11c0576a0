// Compiles every .proto in the proto directory ($TEAMS_PROTO_DIR, default ../../proto) into one
// encoded FileDescriptorSet in OUT_DIR, with protox (a protobuf compiler in pure Rust), so no
// protoc is needed. The binaries embed it; nothing generated is ever committed.
use std::{env, fs, path::PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=TEAMS_PROTO_DIR");
    let dir = env::var_os("TEAMS_PROTO_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../../proto"));
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read proto directory {}: {e}", dir.display()))
        .map(|entry| entry.expect("proto directory entry").path())
        .filter(|p| p.extension().is_some_and(|ext| ext == "proto"))
        .collect();
    files.sort();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    let mut compiler = protox::Compiler::new([&dir]).expect("protox compiler");
    compiler.include_imports(true);
    compiler
        .open_files(&files)
        .unwrap_or_else(|e| panic!("cannot compile {}: {e}", dir.display()));
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap()).join("descriptors.bin");
    fs::write(&out, compiler.encode_file_descriptor_set()).expect("write descriptors.bin");
}
