//! The HTML report, opened in a real headless browser (Debian's `chromium`): it loads with
//! no console message and no network request, its script runs, the numbers in its DOM equal
//! the JSON report's, a screenshot is not blank, and text from a log runs nothing.
//!
//! Without chromium these tests say so loudly and pass, unless `CI` or
//! `ERRSTAT_NEED_CHROMIUM` is set (`.ci/run` installs chromium and sets the latter), where a
//! missing browser fails them.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{errstat_process, fixture};
use errstat::report::inert;
use regex::Regex;
use serde_json::Value;

/// The browser, or `None` (after a loud message) where it is missing and this is no CI.
fn chromium() -> Option<PathBuf> {
    let name = std::env::var("ERRSTAT_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(&name))
        .find(|p| p.is_file())
        .or_else(|| Path::new(&name).is_file().then(|| PathBuf::from(&name)));
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none() && std::env::var_os("ERRSTAT_NEED_CHROMIUM").is_none(),
            "chromium is missing in CI: `apt-get install -y chromium` (.ci/run does)"
        );
        eprintln!(
            "\n!!!!! SKIPPED: chromium is not installed, so the HTML report was not opened in \
             a browser. Install it (`apt-get install -y chromium`) or run .ci/run. !!!!!\n"
        );
    }
    found
}

/// What the browser saw of a page.
struct Loaded {
    /// The DOM after the page's script ran.
    dom: String,
    /// Console messages (errors, CSP violations, logs).
    console: Vec<String>,
    /// URLs the page asked the network for.
    requests: Vec<String>,
}

/// Runs chromium on a file with `args`, waiting at most two minutes; returns its stdout and
/// stderr.
fn browse(chromium: &Path, dir: &Path, args: &[String]) -> (String, String) {
    let mut child = Command::new(chromium)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err, &mut s).unwrap();
        s
    });
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut out, &mut stdout).unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("chromium did not finish in two minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (stdout, reader.join().unwrap())
}

fn load(chromium: &Path, page: &Path) -> Loaded {
    let dir = tempfile::tempdir().unwrap();
    let net = dir.path().join("net.json");
    let (dom, stderr) = browse(
        chromium,
        dir.path(),
        &[
            format!("--log-net-log={}", net.display()),
            "--dump-dom".into(),
            format!("file://{}", page.display()),
        ],
    );
    assert!(dom.contains("</html>"), "no DOM from chromium: {stderr}");
    let console = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    // The page's own requests are those isolated under its file:// origin; chromium's own
    // (component updates and the like) are not.
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&net).unwrap())
        .expect("chromium's net log is JSON");
    let mut requests: Vec<String> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            let p = &e["params"];
            let url = p["url"].as_str()?;
            let key = p["network_isolation_key"].as_str()?;
            (key.contains("file://") && !url.starts_with("file:")).then(|| url.to_string())
        })
        .collect();
    requests.dedup();
    Loaded {
        dom,
        console,
        requests,
    }
}

/// Writes the report of `args` as HTML into `dir` and returns its path and the JSON report
/// of the same run.
fn reports(dir: &Path, args: &[&str]) -> (PathBuf, Value) {
    let page = dir.join("report.html");
    let run = |extra: &[&str]| {
        let out = errstat_process()
            .args(args)
            .args(extra)
            .arg("--quiet")
            .output()
            .unwrap();
        assert!(out.status.code().unwrap_or(9) <= 1, "{args:?}: {out:?}");
        out.stdout
    };
    run(&["-o", page.to_str().unwrap()]);
    let json = serde_json::from_slice(&run(&["-f", "json"])).unwrap();
    (page, json)
}

/// Elements that carry one of the `data-` attributes named, each as its attributes.
fn elements(dom: &str, marker: &str) -> Vec<HashMap<String, String>> {
    let tag = Regex::new(r#"<[a-z]+((?:\s+[a-z-]+(?:="[^"]*")?)*)\s*/?>"#).unwrap();
    let attr = Regex::new(r#"([a-z-]+)="([^"]*)""#).unwrap();
    tag.captures_iter(dom)
        .filter(|c| c[1].contains(&format!(" {marker}=")))
        .map(|c| {
            attr.captures_iter(&c[1])
                .map(|a| (a[1].to_string(), unescape(&a[2])))
                .collect()
        })
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// A JSON value as the page's attribute holds it (a number, text, or empty for null).
fn as_attr(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => inert(s).into_owned(),
        v => v.to_string(),
    }
}

fn number(s: &str) -> f64 {
    s.parse()
        .unwrap_or_else(|_| panic!("{s:?} is not a number"))
}

/// Asserts that the page's numbers are the JSON report's.
fn assert_same_numbers(dom: &str, json: &Value) {
    let totals = elements(dom, "data-total");
    for (k, v) in json["totals"].as_object().unwrap() {
        let got = totals
            .iter()
            .find(|e| e["data-total"] == *k)
            .unwrap_or_else(|| panic!("no total {k} in the page"));
        match v {
            Value::Null => assert_eq!(got["data-value"], "", "totals.{k}"),
            v => assert_eq!(
                number(&got["data-value"]),
                v.as_f64().unwrap(),
                "totals.{k}"
            ),
        }
    }
    let rows = elements(dom, "data-code");
    let table: Vec<_> = rows
        .iter()
        .filter(|r| r.contains_key("data-rate"))
        .collect();
    let codes = json["codes"].as_array().unwrap();
    assert_eq!(table.len(), codes.len(), "code rows");
    for (got, want) in table.iter().zip(codes) {
        assert_eq!(got["data-code"], as_attr(&want["code"]));
        assert_eq!(
            got.get("data-group").cloned().unwrap_or_default(),
            as_attr(&want["group"])
        );
        for k in ["count", "share", "rate"] {
            let attr = &got[&format!("data-{k}")];
            match &want[k] {
                Value::Null => assert_eq!(attr, "", "{k}"),
                v => assert_eq!(number(attr), v.as_f64().unwrap(), "{}.{k}", want["code"]),
            }
        }
    }
    let shares = elements(dom, "data-share");
    for (list, key) in [
        ("categories", "category"),
        ("faults", "fault"),
        ("classes", "class"),
    ] {
        for want in json[list].as_array().unwrap() {
            let name = as_attr(&want[key]);
            let got = shares
                .iter()
                .find(|e| e.get(&format!("data-{key}")) == Some(&name))
                .unwrap_or_else(|| panic!("no {key} {name} in the page"));
            assert_eq!(number(&got["data-count"]), want["count"].as_f64().unwrap());
            assert_eq!(number(&got["data-share"]), want["share"].as_f64().unwrap());
        }
    }
    let buckets = elements(dom, "data-responses");
    let want = json["buckets"].as_array().cloned().unwrap_or_default();
    assert_eq!(buckets.len(), want.len(), "buckets");
    for (got, want) in buckets.iter().zip(&want) {
        assert_eq!(got["data-start"], want["start"].as_str().unwrap());
        assert_eq!(
            number(&got["data-responses"]),
            want["responses"].as_f64().unwrap()
        );
        assert_eq!(
            number(&got["data-errors"]),
            want["errors"].as_f64().unwrap()
        );
    }
    let malformed = elements(dom, "data-line");
    let want = json["malformed_samples"].as_array().unwrap();
    assert_eq!(malformed.len(), want.len(), "malformed samples");
    for (got, want) in malformed.iter().zip(want) {
        assert_eq!(got["data-source"], as_attr(&want["source"]));
        assert_eq!(number(&got["data-line"]), want["line"].as_f64().unwrap());
    }
    if let Some(first) = json["span"]["first"].as_str() {
        let span = &elements(dom, "data-first")[0];
        assert_eq!(span["data-first"], first);
        assert_eq!(span["data-last"], json["span"]["last"].as_str().unwrap());
    }
}

/// Asserts that the page loaded cleanly: its script ran to its end, nothing was logged to
/// the console (a blocked script or fetch would be), nothing was fetched.
fn assert_clean(page: &Loaded) {
    assert!(
        page.dom.contains("data-ok=\"1\""),
        "the page's script did not finish"
    );
    assert!(!page.dom.contains("data-error="), "a script error");
    assert!(page.console.is_empty(), "console: {:#?}", page.console);
    assert!(page.requests.is_empty(), "requests: {:#?}", page.requests);
}

#[test]
fn the_page_shows_the_json_reports_numbers() {
    let Some(chromium) = chromium() else { return };
    let runs: [&[&str]; 3] = [
        &["fixtures/envelope.jsonl", "--bucket", "1m"],
        &[
            "fixtures/mixed.jsonl",
            "fixtures/envelope.jsonl",
            "--bucket",
            "30s",
            "--group-by",
            "region",
        ],
        &["fixtures/sdk.log", "--lang", "ko"],
    ];
    for args in runs {
        let dir = tempfile::tempdir().unwrap();
        let args: Vec<String> = args
            .iter()
            .map(|a| match a.strip_prefix("fixtures/") {
                Some(name) => fixture(name).display().to_string(),
                None => a.to_string(),
            })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (page, json) = reports(dir.path(), &args);
        let loaded = load(&chromium, &page);
        assert_clean(&loaded);
        assert_same_numbers(&loaded.dom, &json);
    }
}

#[test]
fn the_browser_check_sees_a_page_that_fetches() {
    // The detector itself: a page without a policy that loads an image and fetches is
    // caught both in the net log and on the console.
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("leak.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/x.png\">\
         <script>console.error('seen'); fetch('http://127.0.0.1:9/y').catch(() => {})</script>\
         </body></html>",
    )
    .unwrap();
    let loaded = load(&chromium, &page);
    assert!(!loaded.requests.is_empty(), "no request seen");
    assert!(!loaded.console.is_empty(), "no console message seen");
}

#[test]
fn log_text_shows_as_text_and_runs_nothing() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let input = fixture("html-injection.jsonl");
    let root_tag = Regex::new("<html[^>]*>").unwrap();
    for extra in [
        &[][..],
        &["--group-by", "action"],
        &["--group-by", "region"],
    ] {
        let mut args = vec![input.to_str().unwrap(), "--bucket", "1m"];
        args.extend_from_slice(extra);
        let (page, json) = reports(dir.path(), &args);
        let loaded = load(&chromium, &page);
        assert_clean(&loaded);
        let root = root_tag.find(&loaded.dom).unwrap().as_str();
        assert!(!root.contains("data-pwned"), "injected code ran: {root}");
        for tag in ["<img", "<iframe", "<a ", "<b>bold", "<svg onload"] {
            assert!(
                !loaded.dom.contains(tag),
                "{tag} from the log became markup"
            );
        }
        assert_eq!(loaded.dom.matches("<script>").count(), 1);
        assert_eq!(loaded.dom.matches("<style>").count(), 1);
        // The hostile code is there, as text.
        assert!(loaded.dom.contains("&lt;/script&gt;&lt;script&gt;document"));
        assert!(
            loaded
                .dom
                .contains("Evil\\u{1b}[2J\\u{202e}Code&amp;amp;&lt;b&gt;")
        );
        assert_same_numbers(&loaded.dom, &json);
    }
}

#[test]
fn a_screenshot_is_not_blank() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (page, _) = reports(
        dir.path(),
        &[
            fixture("envelope.jsonl").to_str().unwrap(),
            "--bucket",
            "1m",
        ],
    );
    let shot = dir.path().join("shot.png");
    browse(
        &chromium,
        dir.path(),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,1600".into(),
            format!("file://{}", page.display()),
        ],
    );
    let bytes = std::fs::read(&shot).expect("a screenshot");
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), (1280, 1600));
    let step = info.color_type.samples();
    let colours: std::collections::HashSet<&[u8]> = pixels[..info.buffer_size()]
        .chunks(step)
        .map(|p| &p[..3])
        .collect();
    let white = pixels[..info.buffer_size()]
        .chunks(step)
        .filter(|p| p[..3] == [255, 255, 255])
        .count();
    let all = info.buffer_size() / step;
    assert!(colours.len() > 50, "{} colours", colours.len());
    assert!(white < all * 97 / 100, "{white} of {all} pixels white");
}

#[test]
fn the_page_names_no_url_and_forbids_fetching() {
    let dir = tempfile::tempdir().unwrap();
    for input in ["envelope.jsonl", "html-injection.jsonl", "sdk.log"] {
        let (page, _) = reports(
            dir.path(),
            &[fixture(input).to_str().unwrap(), "--bucket", "1m"],
        );
        let html = std::fs::read_to_string(page).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        ));
        for bad in [
            " src=", " href=", "url(", "http://", "https://", "@import", " on",
        ] {
            let attr_like = Regex::new(&format!(r#"<[^>]*{}"#, regex::escape(bad))).unwrap();
            assert!(!attr_like.is_match(&html), "{input}: a tag with {bad:?}");
        }
        // Log text may hold a URL, as text; a log without one gives a page without one.
        if input == "envelope.jsonl" {
            assert!(
                !html.contains("http://") && !html.contains("https://"),
                "{input}: a URL"
            );
        }
    }
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture("envelope.jsonl");
    let mut pages = Vec::new();
    for threads in ["1", "2", "4"] {
        let page = dir.path().join(format!("{threads}.html"));
        let out = errstat_process()
            .args([
                input.to_str().unwrap(),
                "--bucket",
                "1m",
                "--group-by",
                "region",
            ])
            .args(["--threads", threads, "--chunk-size", "64", "-o"])
            .arg(&page)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        pages.push(std::fs::read(page).unwrap());
    }
    assert!(pages.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn html_is_picked_by_extension_or_flag() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture("envelope.jsonl");
    for (args, file) in [
        (vec!["-o"], "a.html"),
        (vec!["-o"], "b.htm"),
        (vec!["-f", "html", "-o"], "c.txt"),
    ] {
        let page = dir.path().join(file);
        let out = errstat_process()
            .arg(&input)
            .args(&args)
            .arg(&page)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let html = std::fs::read_to_string(&page).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"), "{file}");
        // Without --bucket the chart draws the series change detection chose a width for.
        assert!(html.contains("(chosen from the span)"), "{file}");
    }
    let out = errstat_process()
        .args(["codes", "-f", "html"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
