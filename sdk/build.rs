//! Copies the protobuf descriptor set that `temporalio-protos` compiled, so the history JSON
//! codec can speak proto3 JSON for every Temporal message without hand-written mappings.

fn main() {
    let path = std::env::var("DEP_TEMPORALIO_PROTOS_DESCRIPTOR_PATH")
        .expect("temporalio-protos publishes its descriptor set path (links = \"temporalio_protos\")");
    println!("cargo:rerun-if-changed={path}");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR is set by cargo"));
    std::fs::copy(&path, out.join("temporal_descriptors.bin")).expect("copy the descriptor set");
}
