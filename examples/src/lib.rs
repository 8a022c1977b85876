//! Shared code of the workspace's binaries; the conformance runner lives here so that the test
//! suite runs the vectors through exactly the code the `conformance` binary uses.

pub mod conformance;
pub mod walkthrough;
