//! A headless Chromium driven over the DevTools protocol (CDP) through `--remote-debugging-pipe`
//! (commands on fd 3, answers on fd 4, each a JSON message ended by a NUL byte): no WebDriver,
//! no websocket, nothing downloaded. Enough to open pages, wait for what they show, upload a
//! file into an `<input type=file>`, click, and take screenshots.

use base64::Engine as _;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Debian's `chromium` (or another Chromium on `PATH`).
pub fn chromium() -> PathBuf {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH")?
                .to_string_lossy()
                .split(':')
                .map(|dir| Path::new(dir).join(name))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| panic!("no chromium on PATH: install Debian's `chromium` (scripts/setup.sh does)"))
}

/// One browser with one page.
pub struct Browser {
    child: Child,
    to_browser: std::fs::File,
    from_browser: BufReader<std::fs::File>,
    next_id: u64,
    session: String,
    _profile: PathBuf,
}

fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` is a valid array of two ints; on success both are open and owned here.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2: {}", std::io::Error::last_os_error());
    // SAFETY: pipe2 succeeded, so both descriptors are open and owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

impl Browser {
    /// Starts headless Chromium with a fresh profile and opens a blank page.
    pub fn start() -> Self {
        let (cmd_read, cmd_write) = pipe();
        let (answer_read, answer_write) = pipe();
        let profile = crate::temp_dir("chromium-profile");
        let mut command = Command::new(chromium());
        command
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--window-size=1400,1000",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let (child_in, child_out) = (cmd_read.as_raw_fd(), answer_write.as_raw_fd());
        use std::os::unix::process::CommandExt;
        // SAFETY: dup2 is async-signal-safe; it only places the pipe ends at fds 3 and 4 (dup2
        // clears close-on-exec on the copies).
        unsafe {
            command.pre_exec(move || {
                if libc::dup2(child_in, 3) < 0 || libc::dup2(child_out, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("start chromium");
        drop(cmd_read);
        drop(answer_write);
        let mut browser = Self {
            child,
            to_browser: std::fs::File::from(cmd_write),
            from_browser: BufReader::new(std::fs::File::from(answer_read)),
            next_id: 0,
            session: String::new(),
            _profile: profile,
        };
        let target = browser.call(None, "Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"].as_str().expect("a target id").to_string();
        let attached = browser.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        );
        browser.session = attached["sessionId"].as_str().expect("a session id").to_string();
        browser.page("Page.enable", json!({}));
        browser
    }

    /// Sends a command and returns its result (events in between are skipped).
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&message).expect("a JSON command");
        bytes.push(0);
        self.to_browser.write_all(&bytes).expect("write to chromium");
        loop {
            let mut buf = Vec::new();
            let n = self
                .from_browser
                .read_until(0, &mut buf)
                .expect("read from chromium");
            assert!(n > 0, "chromium closed the DevTools pipe during {method}");
            buf.pop();
            let answer: Value = serde_json::from_slice(&buf).expect("a JSON answer");
            if answer["id"] == json!(id) {
                if let Some(error) = answer.get("error") {
                    panic!("{method} failed: {error}");
                }
                return answer["result"].clone();
            }
        }
    }

    fn page(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.call(Some(&session), method, params)
    }

    /// Opens `url`.
    pub fn goto(&mut self, url: &str) {
        let answer = self.page("Page.navigate", json!({"url": url}));
        assert!(answer.get("errorText").is_none(), "cannot open {url}: {answer}");
    }

    /// Evaluates a JavaScript expression in the page and returns its (JSON) value.
    pub fn eval(&mut self, expression: &str) -> Value {
        let answer = self.page(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        if let Some(exception) = answer.get("exceptionDetails") {
            panic!("`{expression}` threw: {exception}");
        }
        answer["result"]["value"].clone()
    }

    /// The page's visible text.
    pub fn text(&mut self) -> String {
        self.eval("document.body ? document.body.innerText : ''")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The page's URL.
    pub fn url(&mut self) -> String {
        self.eval("location.href")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits (polling every 200 ms, up to `limit`) until the page's text contains every one of
    /// `needles`; returns the text. Panics with what the page showed if it never does.
    pub fn wait_for_text(&mut self, needles: &[&str], limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let text = self.text();
            if needles.iter().all(|n| text.contains(n)) {
                return text;
            }
            if Instant::now() > deadline {
                let missing: Vec<_> = needles.iter().filter(|n| !text.contains(**n)).collect();
                panic!(
                    "{} does not show {missing:?} after {limit:?}; it shows:\n{}",
                    self.url(),
                    text.chars().take(4000).collect::<String>()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Puts `file` into the `<input type=file>` matched by `selector`.
    pub fn upload(&mut self, selector: &str, file: &Path) {
        let document = self.page("DOM.getDocument", json!({}));
        let root = document["root"]["nodeId"].clone();
        let node = self.page("DOM.querySelector", json!({"nodeId": root, "selector": selector}));
        let node_id = node["nodeId"].as_u64().filter(|id| *id != 0);
        let node_id = node_id.unwrap_or_else(|| panic!("no element matches `{selector}`"));
        self.page(
            "DOM.setFileInputFiles",
            json!({"files": [file.display().to_string()], "nodeId": node_id}),
        );
    }

    /// Clicks the first enabled button whose text is `label`; false if there is none (yet).
    pub fn click_button(&mut self, label: &str) -> bool {
        let script = format!(
            "(() => {{ const b = [...document.querySelectorAll('button')].find(b => b.innerText.trim() === {label:?} && !b.disabled); if (b) {{ b.click(); return true; }} return false; }})()"
        );
        self.eval(&script).as_bool().unwrap_or(false)
    }

    /// Saves a PNG screenshot of the page.
    pub fn screenshot(&mut self, path: &Path) {
        let shot = self.page("Page.captureScreenshot", json!({"format": "png"}));
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("screenshot data"))
            .expect("base64 screenshot");
        std::fs::write(path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
