//! The HTML report (`nerkit eval --format html`) and `nerkit show`
//! (issue 16), without a browser: escaping of hostile corpus strings, the
//! page's structure and self-containment, its size on the WNUT-17
//! systems, colour choice and the diff's refusals. The browser tests are
//! scripts/browser-test.sh.

use std::path::PathBuf;
use std::process::{Command, Output};

use nerkit::html_report::sha256::Sha256;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn nerkit(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nerkit"));
    c.current_dir(root()).args(args).env_remove("NO_COLOR");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run nerkit")
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

const INJECT: &str = "tests/data/html/inject.tsv";
const WNUT: &str = "corpora/wnut17/emerging.test.annotated";

/// Every `<tag` in the page, by name.
fn tags(html: &str) -> Vec<String> {
    html.match_indices('<')
        .filter_map(|(i, _)| {
            let name: String = html[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '/' || *c == '!')
                .collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

#[test]
fn hostile_tokens_and_types_are_text_in_the_report() {
    let html = stdout(&nerkit(
        &["eval", "-d", "tab", "--format", "html", INJECT],
        &[],
    ));
    assert!(!html.contains("<img"), "an img element got through");
    assert!(!html.contains("<b>bold"), "a b element got through");
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<!--"));
    // The types and tokens are in the page, escaped.
    assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;"));
    // The error browser's data holds them as JSON escapes.
    assert!(html.contains(r#"\u003cscript\u003ealert(1)\u003c/script\u003e"#));
    // Two script elements: the data block and the page's own code.
    let scripts: Vec<&str> = html.matches("<script").collect();
    assert_eq!(scripts.len(), 2, "{scripts:?}");
    let allowed = [
        "!DOCTYPE",
        "html",
        "head",
        "meta",
        "title",
        "/title",
        "style",
        "/style",
        "/head",
        "body",
        "header",
        "h1",
        "/h1",
        "p",
        "/p",
        "code",
        "/code",
        "/header",
        "nav",
        "a",
        "/a",
        "/nav",
        "section",
        "/section",
        "h2",
        "/h2",
        "div",
        "/div",
        "b",
        "/b",
        "h3",
        "/h3",
        "table",
        "/table",
        "thead",
        "/thead",
        "tr",
        "/tr",
        "th",
        "/th",
        "tbody",
        "/tbody",
        "td",
        "/td",
        "mark",
        "/mark",
        "i",
        "/i",
        "span",
        "/span",
        "noscript",
        "/noscript",
        "label",
        "/label",
        "select",
        "/select",
        "button",
        "/button",
        "script",
        "/script",
        "footer",
        "/footer",
        "pre",
        "/pre",
        "/body",
        "/html",
    ];
    // The JavaScript's `<` comparisons are not tags; look outside it.
    let code = html.rfind("<script>").unwrap();
    for t in tags(&html[..code]) {
        assert!(allowed.contains(&t.as_str()), "unexpected tag <{t}");
    }
}

#[test]
fn the_page_is_self_contained_and_its_script_allowed_by_hash() {
    let html = stdout(&nerkit(
        &["eval", "-d", "tab", "--format", "html", INJECT],
        &[],
    ));
    for remote in ["http://", "https://", "src=\"", "href=\"//", "@import"] {
        assert!(!html.contains(remote), "{remote} in the page");
    }
    let start = html.rfind("<script>").unwrap() + "<script>".len();
    let end = start + html[start..].find("</script>").unwrap();
    let mut h = Sha256::default();
    h.update(&html.as_bytes()[start..end]);
    let hex = h.hex();
    let bytes: Vec<u8> = (0..64)
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let csp = html
        .split("script-src 'sha256-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .expect("a script hash in the CSP");
    assert_eq!(base64_decode(csp), bytes, "the CSP names the page's script");
    assert!(html.contains("default-src 'none'"));
}

fn base64_decode(s: &str) -> Vec<u8> {
    const A: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.chars().filter(|&c| c != '=') {
        bits = bits << 6 | A.find(c).unwrap() as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

#[test]
fn the_report_has_every_section_and_its_provenance() {
    let out = std::env::temp_dir().join(format!("nerkit-html-{}.html", std::process::id()));
    let o = nerkit(
        &[
            "eval",
            "--format",
            "html",
            "--output",
            out.to_str().unwrap(),
            WNUT,
            "corpora/wnut17/submissions/arcada",
            "corpora/wnut17/submissions/uh_ritual",
        ],
        &[],
    );
    assert!(
        stdout(&o).is_empty(),
        "the page went to --output, not stdout"
    );
    let html = std::fs::read_to_string(&out).unwrap();
    std::fs::remove_file(&out).unwrap();
    for id in [
        "id=\"compare\"",
        "id=\"system-0\"",
        "id=\"system-1\"",
        "class=\"types\"",
        "class=\"heat\"",
        "class=\"taxonomy\"",
        "id=\"errors\"",
        "id=\"nerkit-data\"",
        "id=\"provenance\"",
        "F1 95% CI",
    ] {
        assert!(html.contains(id), "no {id}");
    }
    // The gold file's checksum, as sha256sum prints it.
    let mut h = Sha256::default();
    h.update(&std::fs::read(root().join(WNUT)).unwrap());
    assert!(html.contains(&h.hex()));
    assert!(html.contains(concat!("nerkit ", env!("CARGO_PKG_VERSION"))));
    assert!(html.contains("--format html --output"));
    // arcada's micro F1 of the README's table.
    assert!(html.contains("<b data-field=\"f1\">39.98</b>"));
}

#[test]
fn seven_wnut17_systems_make_a_page_under_2_mb_with_capped_errors() {
    let subs = root().join("corpora/wnut17/submissions");
    let mut args = vec!["eval", "--no-token-check", "--format", "html", WNUT];
    let names = [
        "arcada",
        "drexel_cci",
        "flytxt",
        "mic-cis.txt",
        "sjtu_adapt.txt",
        "spinningbytes.txt",
        "uh_ritual",
    ];
    let paths: Vec<String> = names
        .iter()
        .map(|n| subs.join(n).display().to_string())
        .collect();
    args.extend(paths.iter().map(String::as_str));
    let html = stdout(&nerkit(&args, &[]));
    assert!(html.len() < 2_000_000, "{} bytes", html.len());
    assert_eq!(html.matches("class=\"system\"").count(), 7);
    assert!(html.contains(&format!(
        "keeps the first {} instances",
        nerkit::html_report::MAX_ERRORS
    )));
}

#[test]
fn show_escapes_for_the_page_and_the_terminal() {
    let html = stdout(&nerkit(&["show", "-d", "tab", "--html", INJECT], &[]));
    assert!(!html.contains("<img") && !html.contains("<script") && !html.contains("<b>bold"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let text = stdout(&nerkit(
        &["show", "-d", "tab", "--color", "never", INJECT],
        &[],
    ));
    assert_eq!(
        text,
        "Mr [PER <script>alert(1)</script>] said [ORG \"><img src=x onerror=alert(1)>] to [PER me]\n\
         The </td></tr></table><b>bold</b> &amp; [MISC <!--]\n"
    );
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let cable = "corpora/000_8c95ef11f0516e36.txt";
    // Not a terminal: auto means no colour.
    let auto = stdout(&nerkit(&["show", cable], &[]));
    assert!(!auto.contains('\x1b') && auto.contains("[PER Ryan C. Crocker]"));
    let always = stdout(&nerkit(
        &["show", "--color", "always", cable],
        &[("NO_COLOR", "1")],
    ));
    assert!(always.contains("\x1b[30;48;5;117mRyan C. Crocker \x1b[1mPER\x1b[0m"));
    let never = stdout(&nerkit(&["show", "--color", "never", cable], &[]));
    assert_eq!(never, auto);
}

#[test]
fn show_diff_marks_differences_and_refuses_other_tokens() {
    let diff = stdout(&nerkit(
        &["show", WNUT, "corpora/wnut17/submissions/uh_ritual"],
        &[],
    ));
    assert!(diff.starts_with("@ sentence 1, line 1\n- "));
    assert!(diff.contains("[location* Sonmarg]"));
    let o = nerkit(&["show", WNUT, "corpora/000_8c95ef11f0516e36.txt"], &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("sentence 1:") && err.contains("same tokens"),
        "{err}"
    );
}
