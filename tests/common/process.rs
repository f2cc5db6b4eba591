//! Real processes: the built `metrics-tour` binary, started as a user starts it, and free ports.

use std::{
    io::{BufRead, BufReader},
    net::SocketAddr,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// The `metrics-tour` binary running on a free loopback port, killed when dropped.
pub struct Tour {
    pub address: SocketAddr,
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Tour {
    /// Starts the binary with `args` (which should say `--listen 127.0.0.1:0`) and waits for the
    /// line that says where it listens. Its exposition logs at debug level, so tests can read which
    /// format each scrape was given.
    pub fn spawn(args: &[String]) -> Tour {
        Tour::spawn_with_env(args, &[])
    }

    /// [`Tour::spawn`] with extra environment variables, as a container image sets them.
    pub fn spawn_with_env(args: &[String], env: &[(&str, &str)]) -> Tour {
        let mut child = Command::new(env!("CARGO_BIN_EXE_metrics-tour"))
            .args(args)
            .envs(env.iter().copied())
            .env("RUST_LOG", "info,metrics_tour::exposition=debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the metrics-tour binary starts");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        let address = loop {
            let found = log.lock().unwrap().lines().find_map(|line| {
                let (_, address) = line.split_once("listening on http://")?;
                address.trim().parse().ok()
            });
            if let Some(address) = found {
                break address;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "metrics-tour {args:?} exited with {status}: {}",
                    log.lock().unwrap()
                );
            }
            assert!(
                Instant::now() < deadline,
                "metrics-tour {args:?} never said where it listens"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Tour {
            address,
            child,
            log,
        }
    }

    /// The process id, to send it signals.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// How the process exited, once it has.
    pub fn exit_status(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().unwrap()
    }

    /// Everything the process has written to stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Tour {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The arguments of a docs line `cargo run --release -- ARGS [&]`, with the port it would listen on
/// (5000 unless `--listen` says otherwise) and `--listen` pointed at a free loopback port.
pub fn cargo_run_args(line: &str) -> Option<(u16, Vec<String>)> {
    let rest = line.trim().trim_end_matches('&').trim();
    let rest = rest.strip_prefix("cargo run --release")?;
    let mut args: Vec<String> = rest
        .trim()
        .strip_prefix("--")
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let mut port = 5000;
    match args.iter().position(|arg| arg == "--listen") {
        Some(at) => {
            let address: SocketAddr = args[at + 1].parse().expect("a --listen address");
            port = address.port();
            args[at + 1] = "127.0.0.1:0".to_owned();
        }
        None => args.extend(["--listen".to_owned(), "127.0.0.1:0".to_owned()]),
    }
    Some((port, args))
}

/// A port nobody is listening on right now (for programs that can't be told to pick one).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `text` with each docs address `localhost:FROM` (or `127.0.0.1:FROM`) moved to `127.0.0.1:TO`.
pub fn rewrite_ports(text: &str, ports: &[(u16, u16)]) -> String {
    let mut text = text.to_owned();
    for (from, to) in ports {
        for host in ["localhost", "127.0.0.1"] {
            text = text.replace(&format!("{host}:{from}"), &format!("127.0.0.1:{to}"));
        }
    }
    text
}

/// Sends SIGTERM to process `pid`, as a container runtime stops a container.
pub fn send_sigterm(pid: u32) {
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}
