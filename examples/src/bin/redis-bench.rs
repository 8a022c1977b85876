//! Benchmark: N Redis list triggers polled against a real redis-server.
//!
//! Measures, in one run and against the same server:
//! * baseline: one `LLEN` round trip per trigger, one after the other, on one connection;
//! * keda-scalers: every trigger built by one `ScalerRegistry` (one shared multiplexed
//!   connection) and polled concurrently, as a scale loop does;
//! * unshared: one registry per trigger (one connection per trigger, as KEDA's go-redis clients).
//!
//! Reports median cycle times, the ratio to the baseline, and the connections each mode opened
//! (`INFO clients` on the server). Start the server with `scripts/servers.sh start`.
//!
//! ```sh
//! cargo run --release -p examples --bin redis-bench -- --triggers 1000 --cycles 20
//! ```

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use keda_core::scaler::{Scaler, ScalerConfig};
use keda_scalers::ScalerRegistry;

#[derive(Parser)]
struct Args {
    /// Redis address; default: KEDA_TEST_REDIS_ADDR from the environment or `.servers/env`.
    #[arg(long)]
    addr: Option<String>,
    /// Number of triggers (lists).
    #[arg(long, default_value_t = 1000)]
    triggers: usize,
    /// Measured cycles per mode.
    #[arg(long, default_value_t = 20)]
    cycles: usize,
}

/// A minimal blocking RESP client: the baseline's single connection and the server probes.
struct Raw {
    reader: BufReader<TcpStream>,
}

impl Raw {
    fn connect(addr: &str) -> std::io::Result<Self> {
        let s = TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        Ok(Self {
            reader: BufReader::new(s),
        })
    }

    /// Sends one command and reads one reply (integers, simple strings, bulk strings).
    fn call(&mut self, args: &[&str]) -> std::io::Result<String> {
        let mut req = format!("*{}\r\n", args.len());
        for a in args {
            req.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        self.reader.get_mut().write_all(req.as_bytes())?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let line = line.trim_end().to_owned();
        match line.split_at(1) {
            ("$", n) => {
                let n: usize = n.parse().map_err(std::io::Error::other)?;
                let mut buf = vec![0u8; n + 2];
                std::io::Read::read_exact(&mut self.reader, &mut buf)?;
                buf.truncate(n);
                Ok(String::from_utf8_lossy(&buf).into_owned())
            }
            ("-", e) => Err(std::io::Error::other(e.to_owned())),
            (_, v) => Ok(v.to_owned()),
        }
    }

    fn connected_clients(&mut self) -> std::io::Result<i64> {
        let info = self.call(&["INFO", "clients"])?;
        Ok(info
            .lines()
            .find_map(|l| l.strip_prefix("connected_clients:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(-1))
    }
}

fn default_addr() -> String {
    std::env::var("KEDA_TEST_REDIS_ADDR")
        .ok()
        .unwrap_or_else(|| {
            std::fs::read_to_string(".servers/env")
                .unwrap_or_default()
                .lines()
                .find_map(|l| l.strip_prefix("KEDA_TEST_REDIS_ADDR="))
                .unwrap_or("127.0.0.1:6390")
                .to_owned()
        })
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn list_trigger(addr: &str, key: &str) -> ScalerConfig {
    let mut c = ScalerConfig {
        trigger_type: "redis".into(),
        global_http_timeout: Duration::from_secs(10),
        ..ScalerConfig::default()
    };
    c.trigger_metadata.insert("address".into(), addr.into());
    c.trigger_metadata.insert("listName".into(), key.into());
    c
}

/// Polls every scaler once, concurrently; returns the sum of the lengths.
async fn cycle(scalers: &[Arc<dyn Scaler>]) -> Result<i64, String> {
    let mut set = tokio::task::JoinSet::new();
    for s in scalers {
        let s = s.clone();
        set.spawn(async move { s.metrics_and_activity("m").await });
    }
    let mut total = 0;
    while let Some(r) = set.join_next().await {
        let m = r.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
        total += m.values.first().map_or(0, |v| v.value_milli / 1000);
    }
    Ok(total)
}

async fn timed_cycles(
    scalers: &[Arc<dyn Scaler>],
    cycles: usize,
    want: i64,
) -> Result<Duration, String> {
    cycle(scalers).await?; // warm-up (loads the script)
    let mut times = Vec::new();
    for _ in 0..cycles {
        let t = Instant::now();
        let total = cycle(scalers).await?;
        times.push(t.elapsed());
        if total != want {
            return Err(format!("wrong total {total}, want {want}"));
        }
    }
    Ok(median(times))
}

async fn run(args: Args) -> Result<(), String> {
    let addr = args.addr.unwrap_or_else(default_addr);
    let e = |e: std::io::Error| format!("{addr}: {e}");
    let mut probe = Raw::connect(&addr).map_err(e)?;
    let prefix = format!("redis-bench-{}", std::process::id());
    let keys: Vec<String> = (0..args.triggers)
        .map(|i| format!("{prefix}-{i}"))
        .collect();
    let mut want = 0;
    for (i, k) in keys.iter().enumerate() {
        let n = i % 10 + 1;
        let items: Vec<String> = (0..n).map(|j| j.to_string()).collect();
        let mut cmd = vec!["RPUSH", k.as_str()];
        cmd.extend(items.iter().map(String::as_str));
        probe.call(&cmd).map_err(e)?;
        want += n as i64;
    }

    // Baseline: one LLEN round trip per trigger on one connection.
    let mut base = Raw::connect(&addr).map_err(e)?;
    let mut times = Vec::new();
    for c in 0..=args.cycles {
        let t = Instant::now();
        let mut total = 0;
        for k in &keys {
            total += base
                .call(&["LLEN", k])
                .map_err(e)?
                .parse::<i64>()
                .unwrap_or(0);
        }
        if c > 0 {
            times.push(t.elapsed());
        }
        if total != want {
            return Err(format!("baseline total {total}, want {want}"));
        }
    }
    let baseline = median(times);
    drop(base);

    // keda-scalers: one registry, shared connection, concurrent polls.
    let before = probe.connected_clients().map_err(e)?;
    let reg = ScalerRegistry::new();
    let mut shared = Vec::new();
    for k in &keys {
        shared.push(Arc::<dyn Scaler>::from(
            reg.build(&list_trigger(&addr, k))
                .await
                .map_err(|e| e.to_string())?,
        ));
    }
    let shared_conns = probe.connected_clients().map_err(e)? - before;
    let ours = timed_cycles(&shared, args.cycles, want).await?;
    drop(shared);
    drop(reg);

    // Unshared: a registry per trigger, i.e. a connection per trigger.
    let before = probe.connected_clients().map_err(e)?;
    let mut unshared = Vec::new();
    for k in &keys {
        let reg = ScalerRegistry::new();
        unshared.push(Arc::<dyn Scaler>::from(
            reg.build(&list_trigger(&addr, k))
                .await
                .map_err(|e| e.to_string())?,
        ));
    }
    let unshared_conns = probe.connected_clients().map_err(e)? - before;
    let per_trigger = timed_cycles(&unshared, args.cycles, want).await?;
    drop(unshared);

    for k in keys.chunks(500) {
        let mut cmd = vec!["DEL"];
        cmd.extend(k.iter().map(String::as_str));
        probe.call(&cmd).map_err(e)?;
    }

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "redis-bench: {} list triggers against {addr}, median of {} cycles",
        args.triggers, args.cycles
    );
    println!(
        "  baseline (1 LLEN round trip per trigger, 1 connection): {:9.3} ms/cycle",
        ms(baseline)
    );
    println!(
        "  keda-scalers, shared registry ({shared_conns} connection(s)):  {:9.3} ms/cycle  speed-up x{:.1}",
        ms(ours),
        ms(baseline) / ms(ours)
    );
    println!(
        "  one registry per trigger ({unshared_conns} connections):     {:9.3} ms/cycle  speed-up x{:.1}",
        ms(per_trigger),
        ms(baseline) / ms(per_trigger)
    );
    Ok(())
}

fn main() {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build();
    let result = match rt {
        Ok(rt) => rt.block_on(run(args)),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = result {
        eprintln!("redis-bench: {e}");
        std::process::exit(1);
    }
}
