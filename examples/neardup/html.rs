//! `--format html`: one self-contained page (no network, no external file) with the
//! summary, the clusters, every near-duplicate and reuse pair with its two texts side by
//! side and the shared passages marked and linked to each other, the repeats marked
//! inside their file, and a filter box.
//!
//! Every name and text is escaped (`&`, `<`, `>`, `"`, `'`), and the page's
//! Content-Security-Policy allows no source but its own inline style and script, so no
//! input can add markup, run script or load anything.

use neardup::corpus::Status;
use neardup::report::{Pair, Repeat};
use neardup::text::Span;
use neardup::{Comparison, DocId, Report};
use std::collections::HashSet;
use std::io::{self, Write};

/// Texts longer than this are shown as excerpts around their passages.
const WHOLE_TEXT: usize = 20_000;
/// Bytes of context kept on each side of a passage in an excerpt.
const CONTEXT: usize = 400;

const STYLE: &str = "\
body{font:14px/1.45 system-ui,sans-serif;margin:1.5em;color:#222}\
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}\
table.summary td{padding:0 .8em 0 0}\
section.pair,section.repeat{border:1px solid #ccc;border-radius:6px;margin:1em 0;padding:.6em}\
.head{font-weight:600;margin-bottom:.4em}.meta{color:#555;font-weight:400}\
.side{display:grid;grid-template-columns:1fr 1fr;gap:.8em}\
.doc{min-width:0}.name{font-family:monospace;font-size:12px;color:#333;margin-bottom:.2em}\
pre{white-space:pre-wrap;word-wrap:break-word;background:#fafafa;border:1px solid #eee;\
padding:.5em;margin:0;max-height:28em;overflow:auto;font-size:12px}\
mark{background:#ffe08a}mark.again{background:#ffc2b3}mark:target{outline:2px solid #c60}\
a.jump{text-decoration:none;color:inherit}.gap{color:#999}\
#filter{font-size:14px;padding:.3em;width:24em}";

/// Hides the pairs and repeats whose file names do not hold the filter's text.
const SCRIPT: &str = "\
var box=document.getElementById('filter');\
if(box)box.addEventListener('input',function(e){\
var q=e.target.value.toLowerCase();\
document.querySelectorAll('[data-names]').forEach(function(s){\
s.hidden=q!==''&&s.getAttribute('data-names').toLowerCase().indexOf(q)<0;});});";

/// Writes the report as one HTML page.
pub fn write_report<W: Write>(w: &mut W, report: &Report<'_>) -> io::Result<()> {
    let corpus = report.corpus();
    let name = |id: DocId| corpus.get(id).name();
    head(w, "neardup report")?;
    let s = report.summary();
    writeln!(w, "<h1>neardup report</h1>")?;
    writeln!(w, "<table class=\"summary\" id=\"summary\">")?;
    for (label, n) in [
        ("files", s.documents),
        ("compared", s.ok),
        ("skipped", s.skipped),
        ("near-duplicate pairs", s.pairs),
        ("reuse pairs", s.reuse_pairs),
        ("clusters", s.clusters),
        ("files to drop", s.duplicate_documents),
        ("repeated passages", s.repeated_passages),
    ] {
        writeln!(w, "<tr><td>{label}</td><td>{n}</td></tr>")?;
    }
    writeln!(w, "</table>")?;
    writeln!(
        w,
        "<p><input id=\"filter\" type=\"search\" placeholder=\"show only files whose name holds…\"></p>"
    )?;

    writeln!(w, "<h2>Clusters</h2>")?;
    if report.clusters().len() == 0 {
        writeln!(w, "<p>none</p>")?;
    } else {
        writeln!(w, "<ul id=\"clusters\">")?;
        for c in report.clusters() {
            let names: Vec<String> = c.members().iter().map(|&m| esc(name(m))).collect();
            writeln!(
                w,
                "<li class=\"cluster\" data-names=\"{}\">keep <b>{}</b>; near-duplicates: {}</li>",
                names.join(" "),
                names[0],
                names[1..].join(", ")
            )?;
        }
        writeln!(w, "</ul>")?;
    }

    let mut n = 0;
    for (title, kind, pairs) in [
        (
            "Near-duplicate pairs",
            "near",
            report.pairs().collect::<Vec<_>>(),
        ),
        (
            "Files that share passages",
            "reuse",
            report.reuse().collect(),
        ),
    ] {
        writeln!(w, "<h2>{title}</h2>")?;
        if pairs.is_empty() {
            writeln!(w, "<p>none</p>")?;
        }
        for pair in pairs {
            pair_section(w, report, pair, kind, n)?;
            n += 1;
        }
    }

    writeln!(w, "<h2>Passages repeated inside one file</h2>")?;
    if report.repeats().len() == 0 {
        writeln!(w, "<p>none</p>")?;
    }
    for (i, r) in report.repeats().enumerate() {
        repeat_section(w, report, r, i)?;
    }

    let skipped: Vec<_> = corpus
        .iter()
        .filter_map(|(_, d)| match d.status() {
            Status::Skipped(reason) => Some((d.name(), reason)),
            Status::Ok => None,
        })
        .collect();
    writeln!(w, "<h2>Skipped files</h2>")?;
    if skipped.is_empty() {
        writeln!(w, "<p>none</p>")?;
    } else {
        writeln!(w, "<ul id=\"skipped\">")?;
        for (name, reason) in skipped {
            writeln!(
                w,
                "<li data-names=\"{0}\"><b>{0}</b>: {1}</li>",
                esc(name),
                esc(&reason.to_string())
            )?;
        }
        writeln!(w, "</ul>")?;
    }
    tail(w)
}

/// Writes a comparison of two files as one HTML page.
pub fn write_comparison<W: Write>(
    w: &mut W,
    (a, a_bytes): (&str, &[u8]),
    (b, b_bytes): (&str, &[u8]),
    c: &Comparison,
) -> io::Result<()> {
    head(w, "neardup compare")?;
    writeln!(w, "<h1>neardup compare</h1>")?;
    writeln!(
        w,
        "<section class=\"pair\" id=\"pair-0\" data-names=\"{} {}\">",
        esc(a),
        esc(b)
    )?;
    writeln!(
        w,
        "<div class=\"head\">{} ~ {} <span class=\"meta\">jaccard {:.3} (estimated {:.3}), {}, {} shared passage(s)</span></div>",
        esc(a),
        esc(b),
        c.jaccard,
        c.estimated_jaccard,
        if c.near_duplicate {
            "near-duplicates"
        } else {
            "not near-duplicates"
        },
        c.passages.len()
    )?;
    let spans_a: Vec<Span> = c.passages.iter().map(|p| p.a).collect();
    let spans_b: Vec<Span> = c.passages.iter().map(|p| p.b).collect();
    side_by_side(w, 0, (a, a_bytes, &spans_a), (b, b_bytes, &spans_b))?;
    writeln!(w, "</section>")?;
    tail(w)
}

fn head<W: Write>(w: &mut W, title: &str) -> io::Result<()> {
    writeln!(w, "<!DOCTYPE html>")?;
    writeln!(w, "<html lang=\"en\"><head><meta charset=\"utf-8\">")?;
    writeln!(
        w,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
    )?;
    writeln!(
        w,
        "<title>{}</title><style>{STYLE}</style></head><body>",
        esc(title)
    )
}

fn tail<W: Write>(w: &mut W) -> io::Result<()> {
    writeln!(w, "<script>{SCRIPT}</script></body></html>")
}

/// One pair: its names and Jaccard, then the two texts side by side with the shared
/// passages marked; passage k of one side links to passage k of the other.
fn pair_section<W: Write>(
    w: &mut W,
    report: &Report<'_>,
    pair: &Pair,
    kind: &str,
    n: usize,
) -> io::Result<()> {
    let corpus = report.corpus();
    let (a, b) = (corpus.get(pair.a), corpus.get(pair.b));
    writeln!(
        w,
        "<section class=\"pair {kind}\" id=\"pair-{n}\" data-names=\"{} {}\">",
        esc(a.name()),
        esc(b.name())
    )?;
    writeln!(
        w,
        "<div class=\"head\">{} ~ {} <span class=\"meta\">jaccard {:.3}{}, {} shared passage(s)</span></div>",
        esc(a.name()),
        esc(b.name()),
        pair.jaccard,
        if pair.jaccard_is_exact() {
            ""
        } else {
            " (estimated)"
        },
        pair.passages().len()
    )?;
    let spans_a: Vec<Span> = pair.passages().iter().map(|p| p.a).collect();
    let spans_b: Vec<Span> = pair.passages().iter().map(|p| p.b).collect();
    side_by_side(
        w,
        n,
        (a.name(), &corpus.text(pair.a), &spans_a),
        (b.name(), &corpus.text(pair.b), &spans_b),
    )?;
    writeln!(w, "</section>")
}

fn side_by_side<W: Write>(
    w: &mut W,
    n: usize,
    (a, a_bytes, spans_a): (&str, &[u8], &[Span]),
    (b, b_bytes, spans_b): (&str, &[u8], &[Span]),
) -> io::Result<()> {
    writeln!(w, "<div class=\"side\">")?;
    let marks = |side: &str, other: &str, spans: &[Span]| -> Vec<Mark> {
        spans
            .iter()
            .enumerate()
            .map(|(k, &span)| Mark {
                span,
                id: format!("p{n}-{side}{k}"),
                link: format!("p{n}-{other}{k}"),
                class: "shared",
            })
            .collect()
    };
    let (marks_a, marks_b) = (marks("a", "b", spans_a), marks("b", "a", spans_b));
    let (drawn_a, drawn_b) = (drawn(&marks_a), drawn(&marks_b));
    let linked: HashSet<&str> = drawn_a
        .iter()
        .chain(&drawn_b)
        .map(|m| m.id.as_str())
        .collect();
    for (name, bytes, shown) in [(a, a_bytes, &drawn_a), (b, b_bytes, &drawn_b)] {
        writeln!(
            w,
            "<div class=\"doc\"><div class=\"name\">{}</div><pre>",
            esc(name)
        )?;
        marked_text(w, bytes, shown, &linked)?;
        writeln!(w, "</pre></div>")?;
    }
    writeln!(w, "</div>")
}

/// One file's repeats: its text with every first copy and later copy marked, each
/// linking to the other.
fn repeat_section<W: Write>(
    w: &mut W,
    report: &Report<'_>,
    r: &Repeat,
    i: usize,
) -> io::Result<()> {
    let doc = report.corpus().get(r.doc);
    writeln!(
        w,
        "<section class=\"repeat\" id=\"repeat-{i}\" data-names=\"{}\">",
        esc(doc.name())
    )?;
    writeln!(
        w,
        "<div class=\"head\">{} <span class=\"meta\">{} repeated passages</span></div><pre>",
        esc(doc.name()),
        r.passages().len()
    )?;
    let mut marks = Vec::new();
    for (k, p) in r.passages().iter().enumerate() {
        marks.push(Mark {
            span: p.first,
            id: format!("r{i}-f{k}"),
            link: format!("r{i}-a{k}"),
            class: "first",
        });
        marks.push(Mark {
            span: p.again,
            id: format!("r{i}-a{k}"),
            link: format!("r{i}-f{k}"),
            class: "again",
        });
    }
    let shown = drawn(&marks);
    let linked = shown.iter().map(|m| m.id.as_str()).collect();
    marked_text(w, &report.corpus().text(r.doc), &shown, &linked)?;
    writeln!(w, "</pre></section>")
}

/// A span to mark, its element id, and the id it links to.
struct Mark {
    span: Span,
    id: String,
    link: String,
    class: &'static str,
}

/// The marks that are drawn: sorted, without those that overlap an earlier one.
fn drawn(marks: &[Mark]) -> Vec<&Mark> {
    let mut order: Vec<&Mark> = marks.iter().collect();
    order.sort_by_key(|m| (m.span.start, m.span.end));
    let mut shown: Vec<&Mark> = Vec::new();
    for m in order {
        if shown
            .last()
            .is_none_or(|last| m.span.start >= last.span.end)
        {
            shown.push(m);
        }
    }
    shown
}

/// Writes `bytes` escaped with the `drawn` marks; a mark links to its partner only when
/// `linked` holds the partner's id, so no link points nowhere. A long text is shown as
/// excerpts around the marks.
fn marked_text<W: Write>(
    w: &mut W,
    bytes: &[u8],
    drawn: &[&Mark],
    linked: &HashSet<&str>,
) -> io::Result<()> {
    let whole = bytes.len() <= WHOLE_TEXT;
    let mut at = 0;
    for m in drawn {
        plain(w, bytes, at, m.span.start, whole)?;
        let link = linked.contains(m.link.as_str());
        if link {
            write!(w, "<a class=\"jump\" href=\"#{}\">", m.link)?;
        }
        write!(w, "<mark class=\"{}\" id=\"{}\">", m.class, m.id)?;
        let text = String::from_utf8_lossy(&bytes[m.span.start..m.span.end]);
        w.write_all(esc(&text).as_bytes())?;
        write!(w, "</mark>")?;
        if link {
            write!(w, "</a>")?;
        }
        at = m.span.end;
    }
    plain(w, bytes, at, bytes.len(), whole)
}

/// The unmarked text between `from` and `to`, whole or, in a long text, only its first
/// and last `CONTEXT` bytes.
fn plain<W: Write>(w: &mut W, bytes: &[u8], from: usize, to: usize, whole: bool) -> io::Result<()> {
    let text = |a: usize, b: usize| esc(&String::from_utf8_lossy(&bytes[a..b]));
    if whole || to - from <= 2 * CONTEXT {
        return w.write_all(text(from, to).as_bytes());
    }
    // Cut at a character boundary (a continuation byte never starts one).
    let boundary = |mut i: usize| {
        while i < bytes.len() && (bytes[i] & 0xC0) == 0x80 {
            i += 1;
        }
        i
    };
    let (head_end, tail_start) = (boundary(from + CONTEXT), boundary(to - CONTEXT));
    if from > 0 {
        w.write_all(text(from, head_end).as_bytes())?;
    }
    write!(w, "<span class=\"gap\"> […] </span>")?;
    if to < bytes.len() {
        w.write_all(text(tail_start.max(head_end), to).as_bytes())?;
    }
    Ok(())
}

/// Text escaped for HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }
}
