//! The gzip stage of the writer: inline, or pipelined on a worker thread so that JSON
//! encoding and tar framing overlap with deflate. The pipeline holds at most a few
//! fixed-size chunks, so memory stays independent of the archive size.

use std::io::{self, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use flate2::Compression;
use flate2::write::GzEncoder;

/// Chunks in flight between the framing thread and the compressor.
const IN_FLIGHT: usize = 4;

/// A gzip encoder with Go's header bytes (`1f 8b 08 00 00000000 00 ff`).
pub fn go_gzip<W: Write>(sink: W, level: u32) -> GzEncoder<W> {
    flate2::GzBuilder::new()
        .operating_system(255)
        .mtime(0)
        .write(sink, Compression::new(level))
}

/// Where tar bytes go to be compressed.
#[derive(Debug)]
pub enum Compressor<W: Write> {
    /// Compress on the calling thread.
    Inline(GzEncoder<W>),
    /// Compress on a worker thread.
    Pipelined {
        /// Chunk channel (`None` once finished).
        tx: Option<SyncSender<Vec<u8>>>,
        /// The worker, returning the sink.
        worker: Option<JoinHandle<io::Result<W>>>,
    },
}

impl<W: Write + Send + 'static> Compressor<W> {
    /// Starts a compressor thread writing to `sink`.
    pub fn pipelined(sink: W, level: u32) -> io::Result<Self> {
        let (tx, rx): (SyncSender<Vec<u8>>, Receiver<Vec<u8>>) = sync_channel(IN_FLIGHT);
        let worker = std::thread::Builder::new()
            .name("velero-gzip".into())
            .spawn(move || {
                let mut gz = go_gzip(sink, level);
                for chunk in rx {
                    gz.write_all(&chunk)?;
                }
                gz.finish()
            })?;
        Ok(Self::Pipelined {
            tx: Some(tx),
            worker: Some(worker),
        })
    }
}

fn worker_gone() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "gzip worker stopped")
}

impl<W: Write> Compressor<W> {
    /// Flushes the compressor and returns the sink.
    pub fn finish(self) -> io::Result<W> {
        match self {
            Self::Inline(gz) => gz.finish(),
            Self::Pipelined { mut tx, mut worker } => {
                drop(tx.take());
                match worker.take().map(JoinHandle::join) {
                    Some(Ok(res)) => res,
                    _ => Err(worker_gone()),
                }
            }
        }
    }
}

impl<W: Write> Write for Compressor<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Inline(gz) => gz.write(buf),
            Self::Pipelined { tx, .. } => {
                let tx = tx.as_ref().ok_or_else(worker_gone)?;
                tx.send(buf.to_vec()).map_err(|_| worker_gone())?;
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Inline(gz) => gz.flush(),
            Self::Pipelined { .. } => Ok(()),
        }
    }
}
