//! The backup tarball: paths, tar framing, the streaming writer, hardened readers and
//! Velero's directory parser.

pub mod paths;
pub mod reader;
pub mod tar;
pub mod tree;
pub mod writer;

pub use reader::{ArchiveIndex, ArchiveReader, Entry, ReaderLimits};
pub use writer::{ArchiveWriter, PathLayout, TarWriter, WriterOptions};
