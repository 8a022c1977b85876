//! Placeholder replaced by the HPA decision benchmark.
fn main() {}
