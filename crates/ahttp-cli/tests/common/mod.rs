//! Helpers shared by the command's integration tests: run `ahttp` (and
//! curl, where it is installed) with the same arguments, and compare.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The proxy variables cleared for every run, so the tests see only what
/// they set.
const PROXY_VARS: [&str; 8] = [
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
];

/// The result of one run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.text()))
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: o.stdout,
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// Options of a run besides the arguments.
#[derive(Default, Clone)]
pub struct Env {
    pub vars: Vec<(String, String)>,
    pub stdin: Option<Vec<u8>>,
}

impl Env {
    pub fn var(mut self, k: &str, v: &str) -> Self {
        self.vars.push((k.to_owned(), v.to_owned()));
        self
    }

    pub fn stdin(mut self, data: &[u8]) -> Self {
        self.stdin = Some(data.to_vec());
        self
    }
}

fn run(program: &str, args: &[&str], env: &Env) -> Run {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(if env.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for v in PROXY_VARS {
        cmd.env_remove(v);
    }
    for (k, v) in &env.vars {
        cmd.env(k, v);
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    if let Some(data) = &env.stdin {
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(data).unwrap();
    }
    child.wait_with_output().unwrap().into()
}

/// Runs the built `ahttp`.
pub fn ahttp(args: &[&str]) -> Run {
    ahttp_env(args, &Env::default())
}

/// Runs the built `ahttp` with environment variables or stdin.
pub fn ahttp_env(args: &[&str], env: &Env) -> Run {
    run(env!("CARGO_BIN_EXE_ahttp"), args, env)
}

/// The curl binary, or `None` (with a note) where it is missing. With
/// `AHTTP_REQUIRE_CURL=1` (CI) a missing curl fails the test instead.
pub fn curl_path() -> Option<&'static str> {
    let found = ["/usr/bin/curl", "/usr/local/bin/curl", "/bin/curl"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    if found.is_none() {
        assert!(
            std::env::var_os("AHTTP_REQUIRE_CURL").is_none(),
            "curl is required here (AHTTP_REQUIRE_CURL is set) but not installed"
        );
        eprintln!("note: curl is not installed; comparison with curl skipped");
    }
    found
}

/// Runs curl (ignoring any ~/.curlrc) with the same arguments.
pub fn curl_env(args: &[&str], env: &Env) -> Option<Run> {
    let path = curl_path()?;
    let mut full = vec!["-q"];
    full.extend_from_slice(args);
    Some(run(path, &full, env))
}

/// Runs both; asserts equal exit codes and equal stdout after `normalize`.
/// Returns ahttp's run.
pub fn compare_with(args: &[&str], env: &Env, normalize: impl Fn(&[u8]) -> String) -> Run {
    let ours = ahttp_env(args, env);
    if let Some(theirs) = curl_env(args, env) {
        assert_eq!(
            ours.code, theirs.code,
            "exit codes differ for {args:?}\nahttp stderr: {}\ncurl stderr: {}",
            ours.stderr, theirs.stderr
        );
        assert_eq!(
            normalize(&ours.stdout),
            normalize(&theirs.stdout),
            "stdout differs for {args:?}\nahttp stderr: {}\ncurl stderr: {}",
            ours.stderr,
            theirs.stderr
        );
    }
    ours
}

/// [`compare_with`] on raw stdout.
pub fn compare(args: &[&str]) -> Run {
    compare_with(args, &Env::default(), |b| {
        String::from_utf8_lossy(b).into_owned()
    })
}

/// [`compare_with`] for the test server's JSON echo: the header list is
/// sorted (ahttp and curl order their headers differently) and
/// `drop_keys` are removed (bodies with random boundaries, framing that
/// legitimately differs).
pub fn compare_json(args: &[&str], env: &Env, drop_keys: &[&str]) -> Run {
    let drop: Vec<String> = drop_keys.iter().map(|s| (*s).to_owned()).collect();
    compare_with(args, env, move |b| normalize_json(b, &drop))
}

/// The JSON with `headers` sorted and some keys removed.
pub fn normalize_json(b: &[u8], drop: &[String]) -> String {
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(b) else {
        return String::from_utf8_lossy(b).into_owned();
    };
    if let Some(obj) = v.as_object_mut() {
        for k in drop {
            obj.remove(k);
        }
        if let Some(serde_json::Value::Array(h)) = obj.get_mut("headers") {
            h.sort_by_key(|x| x.to_string().to_ascii_lowercase());
        }
    }
    v.to_string()
}

/// A head block with the `date` field (which may tick between the two
/// runs) removed.
pub fn without_date(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .split_inclusive('\n')
        .filter(|l| !l.to_ascii_lowercase().starts_with("date:"))
        .collect()
}

/// A fresh temporary directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ahttp-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `content` to `dir/name` and returns the path as a string.
pub fn write_file(dir: &Path, name: &str, content: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p.to_string_lossy().into_owned()
}
