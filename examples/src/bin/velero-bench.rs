//! Benchmark of the Velero tarball writer and reader (`--release`):
//! * peak RSS (VmHWM) of streaming 10,000 vs 100,000 items, each run in a fresh child process;
//! * throughput of the writer (Go JSON + tar + gzip) and the hardened reader against plain
//!   flate2 gzip / gunzip of the very same tar bytes, measured in the same run.
//!
//! Usage: `cargo run --release -p examples --bin velero-bench [-- --items N]`.

use std::io::{Read, Write};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use velero_format::archive::tar::EntryHeader;
use velero_format::archive::{
    ArchiveReader, ArchiveWriter, ReaderLimits, TarWriter, WriterOptions,
};

fn pod(i: usize) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": format!("web-{i}"), "namespace": format!("team-{}", i % 50),
            "labels": {"app": "web", "pod-template-hash": format!("{:x}", i * 7919)},
            "uid": format!("{i:08x}-0000-4000-8000-000000000000"), "resourceVersion": (i * 13).to_string(),
            "creationTimestamp": "2026-01-01T00:00:00Z"
        },
        "spec": {"containers": [{"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 8080}],
            "resources": {"requests": {"cpu": "250m", "memory": "128Mi"}}}], "nodeName": format!("node-{}", i % 200)},
        "status": {"phase": "Running", "podIP": format!("10.{}.{}.{}", i >> 16 & 255, i >> 8 & 255, i & 255)}
    })
}

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_owned)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// Child mode: stream `n` generated items into a writer over a sink; print VmHWM.
fn child(n: usize) -> Result<(), String> {
    let mut w = ArchiveWriter::new(std::io::sink(), WriterOptions::at(1_700_000_000));
    w.write_version().map_err(|e| e.to_string())?;
    for i in 0..n {
        let p = pod(i);
        let ns = format!("team-{}", i % 50);
        w.write_item("pods", &ns, &format!("web-{i}"), "v1", "v1", &p)
            .map_err(|e| e.to_string())?;
    }
    w.finish().map_err(|e| e.to_string())?;
    println!("{}", vm_hwm_kib());
    Ok(())
}

fn rss_of_child(n: usize) -> Result<u64, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .args(["--child", &n.to_string()])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|e| format!("child output: {e}"))
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed());
        last = Some(r);
    }
    (best, last.unwrap_or_else(f))
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let n = args
            .get(i + 1)
            .and_then(|s| s.parse().ok())
            .ok_or("--child N")?;
        return child(n);
    }
    let items: usize = args
        .iter()
        .position(|a| a == "--items")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);

    println!(
        "peak RSS (VmHWM) of streaming N items through ArchiveWriter, one child process each:"
    );
    let small = rss_of_child(10_000)?;
    let large = rss_of_child(100_000)?;
    println!(
        "  10,000 items: {small} KiB   100,000 items: {large} KiB   ratio {:.2}",
        large as f64 / small.max(1) as f64
    );

    let objs: Vec<Value> = (0..items).map(pod).collect();
    // The exact tar bytes the writer produces, built once without compression for the baselines.
    let mut tw = TarWriter::new(Vec::new());
    let mut hdr = EntryHeader {
        name: String::new(),
        mode: 0o755,
        typeflag: b'0',
        mtime: 1_700_000_000,
        linkname: String::new(),
        size: 0,
    };
    hdr.name = "metadata/version".into();
    tw.append(&hdr, b"1.1.0\n").map_err(|e| e.to_string())?;
    for (i, p) in objs.iter().enumerate() {
        let bytes = velero_format::gojson::to_vec(p);
        for dir in ["", "v1-preferredversion/"] {
            hdr.name = format!(
                "resources/pods/{dir}namespaces/team-{}/web-{i}.json",
                i % 50
            );
            tw.append(&hdr, &bytes).map_err(|e| e.to_string())?;
        }
    }
    let tar = tw.finish().map_err(|e| e.to_string())?;

    let runs = 5;
    let gzip_plain = || -> Result<Vec<u8>, String> {
        let mut e = flate2::write::GzEncoder::new(
            Vec::with_capacity(tar.len() / 4),
            flate2::Compression::new(6),
        );
        e.write_all(&tar).map_err(|e| e.to_string())?;
        e.finish().map_err(|e| e.to_string())
    };
    let write_all = |mut w: ArchiveWriter<Vec<u8>>| -> Result<Vec<u8>, String> {
        w.write_version().map_err(|e| e.to_string())?;
        for (i, p) in objs.iter().enumerate() {
            w.write_item(
                "pods",
                &format!("team-{}", i % 50),
                &format!("web-{i}"),
                "v1",
                "v1",
                p,
            )
            .map_err(|e| e.to_string())?;
        }
        w.finish().map_err(|e| e.to_string())
    };
    let opts = WriterOptions::at(1_700_000_000);
    // Interleaved rounds so that load changes on the machine hit every variant alike.
    let (mut t_gzip, mut t_writer, mut t_piped) = (Duration::MAX, Duration::MAX, Duration::MAX);
    let (mut gz_plain, mut ours) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        gz_plain = gzip_plain()?;
        t_gzip = t_gzip.min(t.elapsed());
        let t = Instant::now();
        ours = write_all(ArchiveWriter::new(Vec::with_capacity(tar.len() / 4), opts))?;
        t_writer = t_writer.min(t.elapsed());
        let t = Instant::now();
        let piped = write_all(
            ArchiveWriter::new_pipelined(Vec::with_capacity(tar.len() / 4), opts)
                .map_err(|e| e.to_string())?,
        )?;
        t_piped = t_piped.min(t.elapsed());
        if piped != ours {
            return Err("pipelined writer output differs".into());
        }
    }
    let mut check = Vec::new();
    flate2::read::GzDecoder::new(ours.as_slice())
        .read_to_end(&mut check)
        .map_err(|e| e.to_string())?;
    if check != tar {
        return Err("writer output differs from the reference tar bytes".into());
    }
    let (t_gunzip, _) = best_of(runs, || {
        let mut out = Vec::with_capacity(tar.len());
        flate2::read::GzDecoder::new(gz_plain.as_slice())
            .read_to_end(&mut out)
            .map(|_| out.len())
    });
    let (t_reader, n_read) = best_of(runs, || -> Result<usize, String> {
        let r = ArchiveReader::new(gz_plain.as_slice(), ReaderLimits::default())
            .map_err(|e| e.to_string())?;
        let mut n = 0;
        for e in r {
            e.map_err(|e| e.to_string())?;
            n += 1;
        }
        Ok(n)
    });
    let n_read = n_read?;
    let (t_json, _) = best_of(runs, || {
        objs.iter()
            .map(|p| velero_format::gojson::to_vec(p).len())
            .sum::<usize>()
    });
    let (t_tar, _) = best_of(runs, || -> Result<usize, String> {
        let mut w = TarWriter::new(Vec::with_capacity(tar.len()));
        for (i, p) in objs.iter().enumerate() {
            let bytes = velero_format::gojson::to_vec(p);
            let mut h = hdr.clone();
            h.name = format!("resources/pods/namespaces/team-{}/web-{i}.json", i % 50);
            w.append(&h, &bytes).map_err(|e| e.to_string())?;
            w.append(&h, &bytes).map_err(|e| e.to_string())?;
        }
        Ok(w.finish().map_err(|e| e.to_string())?.len())
    });
    let (t_serde, _) = best_of(runs, || {
        objs.iter()
            .map(|p| serde_json::to_vec(p).map_or(0, |v| v.len()))
            .sum::<usize>()
    });
    println!(
        "  (components: Go JSON encoding {:.1} ms [serde_json::to_vec {:.1} ms], JSON+tar framing without gzip {:.1} ms)",
        t_json.as_secs_f64() * 1e3,
        t_serde.as_secs_f64() * 1e3,
        t_tar.as_secs_f64() * 1e3
    );
    let mb = tar.len() as f64 / 1e6;
    let rate = |d: Duration| mb / d.as_secs_f64();
    println!(
        "\nthroughput on {items} items ({} entries, {mb:.1} MB of tar, best of {runs} interleaved):",
        1 + 2 * items
    );
    println!(
        "  plain gzip (flate2, level 6)      {:8.1} ms  {:7.1} MB/s",
        t_gzip.as_secs_f64() * 1e3,
        rate(t_gzip)
    );
    println!(
        "  ArchiveWriter (JSON+tar+gzip)     {:8.1} ms  {:7.1} MB/s  ratio {:.3}",
        t_writer.as_secs_f64() * 1e3,
        rate(t_writer),
        t_writer.as_secs_f64() / t_gzip.as_secs_f64()
    );
    println!(
        "  ArchiveWriter, pipelined gzip     {:8.1} ms  {:7.1} MB/s  ratio {:.3}",
        t_piped.as_secs_f64() * 1e3,
        rate(t_piped),
        t_piped.as_secs_f64() / t_gzip.as_secs_f64()
    );
    println!(
        "  plain gunzip (flate2)             {:8.1} ms  {:7.1} MB/s",
        t_gunzip.as_secs_f64() * 1e3,
        rate(t_gunzip)
    );
    println!(
        "  ArchiveReader (gunzip+tar+checks) {:8.1} ms  {:7.1} MB/s  ratio {:.3}  ({n_read} entries)",
        t_reader.as_secs_f64() * 1e3,
        rate(t_reader),
        t_reader.as_secs_f64() / t_gunzip.as_secs_f64()
    );
    Ok(())
}
