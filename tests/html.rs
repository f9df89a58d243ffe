//! The HTML report in a real browser: headless Chromium loads the page, and the DOM it
//! builds holds every pair and passage of the JSON report and nothing from the input as
//! markup. Needs `chromium` (Debian's package; `.ci/run` installs it). Without it the test
//! says so and passes, unless `NEARDUP_REQUIRE_BROWSER=1` (set by CI).

mod common;

use common::Scratch;
use std::path::{Path, PathBuf};
use std::process::Command;

fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "--example", "neardup"]);
    if profile_dir.ends_with("release") {
        cmd.arg("--release");
    }
    let status = cmd
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(status.success());
    profile_dir.join("examples").join("neardup")
}

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

fn headless(browser: &str, args: &[&str], page: &Path) -> std::process::Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap()
}

#[test]
fn the_page_in_chromium_holds_every_pair_and_no_injected_markup() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("NEARDUP_REQUIRE_BROWSER").is_none(),
            "NEARDUP_REQUIRE_BROWSER is set but no chromium was found"
        );
        eprintln!("skipped: no chromium (apt-get install chromium)");
        return;
    };
    let dir = Scratch::new("html");
    std::fs::create_dir_all(dir.join("in")).unwrap();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo");
    for e in std::fs::read_dir(&demo).unwrap().flatten() {
        std::fs::copy(e.path(), dir.join("in").join(e.file_name())).unwrap();
    }
    // A hostile name and text, copied twice so that they form a pair.
    let hostile = "<img src=x onerror=alert(1)><b>bold</b> the council met again today ".repeat(4);
    std::fs::write(dir.join("in/<i>x.txt"), &hostile).unwrap();
    std::fs::write(dir.join("in/copy.txt"), &hostile).unwrap();

    let bin = binary();
    let input = dir.join("in");
    let json = Command::new(&bin)
        .args(["--json"])
        .arg(&input)
        .output()
        .unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8(json.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |t: &str| lines.iter().filter(|l| l["type"] == t).collect::<Vec<_>>();
    let pairs = of("pair").len() + of("reuse").len();
    let passages: usize = of("pair")
        .iter()
        .chain(of("reuse").iter())
        .map(|p| p["passages"].as_array().unwrap().len())
        .sum();
    assert!(pairs >= 3, "{pairs}");

    let page = dir.join("report.html");
    let html = Command::new(&bin)
        .args(["--format", "html"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(html.status.success());
    std::fs::write(&page, &html.stdout).unwrap();
    let dom = String::from_utf8(headless(browser, &["--dump-dom"], &page).stdout).unwrap();
    assert!(dom.contains("<body"), "chromium gave no DOM: {dom}");
    assert_eq!(dom.matches("<section class=\"pair").count(), pairs, "{dom}");
    // Each passage is marked on both sides; repeats mark a first and a later copy.
    let marks = dom.matches("<mark class=\"shared\"").count();
    assert_eq!(marks, 2 * passages);
    assert!(dom.contains("<mark class=\"again\""));
    // The input stayed text.
    assert!(!dom.contains("<img"), "{dom}");
    assert!(!dom.contains("<b>bold"), "{dom}");
    assert!(!dom.contains("<i>x"), "{dom}");
    assert!(dom.contains("&lt;i&gt;x.txt"));
    assert!(dom.contains("id=\"filter\""));

    let shot = dir.join("report.png");
    let r = headless(
        browser,
        &[
            "--window-size=1280,1000",
            &format!("--screenshot={}", shot.display()),
        ],
        &page,
    );
    let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("{e}: {r:?}"));
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
}
