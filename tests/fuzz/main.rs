//! Fuzz targets, run as ordinary tests on stable Rust by `bolero`: each target first replays its
//! corpus (`tests/fuzz/__fuzz__/<target>/corpus/`, in the repository) and then a fixed number
//! of random inputs, so CI runs a bounded number of cases and a failure prints the seed that
//! reproduces it (`BOLERO_RANDOM_SEED=...`). `BOLERO_RANDOM_ITERATIONS=N` runs more; with a
//! nightly toolchain, `cargo bolero test <target> --engine libfuzzer` fuzzes the same targets
//! with coverage guidance and adds what it finds to the corpus.
//!
//! Targets: the JSON-RPC framing, tool-argument validation for every catalog tool, the catalog
//! loader, the two signature verifiers, and the emulator's request parsing on every route. The
//! real binary under mutated MCP messages is `tests/protocol_fuzz.rs`.

mod arguments;
mod catalog_loader;
mod emulator_requests;
mod framing;
mod input;
mod signatures;
