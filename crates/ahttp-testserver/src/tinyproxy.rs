//! Debian's tinyproxy, started on 127.0.0.1 with a generated
//! configuration: a real HTTP forward proxy (absolute-form requests) with
//! CONNECT tunnels to any port and optional Basic proxy authentication.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running tinyproxy; killed on drop.
pub struct Tinyproxy {
    child: Child,
    port: u16,
    _dir: std::path::PathBuf,
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Tinyproxy {
    /// Starts tinyproxy, or returns None (with a printed reason) where it
    /// is not installed. CI sets AHTTP_REQUIRE_TINYPROXY=1: missing is then
    /// a failure, never a skip.
    pub fn start(basic_auth: Option<(&str, &str)>) -> Option<Tinyproxy> {
        let binary = [
            "/usr/bin/tinyproxy",
            "/usr/sbin/tinyproxy",
            "/usr/local/bin/tinyproxy",
        ]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
        let Some(binary) = binary else {
            assert!(
                std::env::var_os("AHTTP_REQUIRE_TINYPROXY").is_none(),
                "tinyproxy is required here but not installed"
            );
            eprintln!("skipping: tinyproxy is not installed (apt-get install tinyproxy)");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let dir =
            std::env::temp_dir().join(format!("ahttp-tinyproxy-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        let mut conf = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 64\nAllow 127.0.0.1\nLogLevel Critical\nDisableViaHeader Yes\n"
        );
        if let Some((user, pass)) = basic_auth {
            conf.push_str(&format!("BasicAuth {user} {pass}\n"));
        }
        let conf_path = dir.join("tinyproxy.conf");
        std::fs::write(&conf_path, conf).ok()?;
        let child = Command::new(binary)
            .arg("-d")
            .arg("-c")
            .arg(&conf_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tinyproxy");
        let proxy = Tinyproxy {
            child,
            port,
            _dir: dir,
        };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(proxy);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("tinyproxy did not start listening on {port}");
    }

    /// The proxy's URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}
