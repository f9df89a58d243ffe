#[path = "../tests/common/mod.rs"]
mod common;
use common::*;
use neardup::{Corpus, Detector};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bp: usize = args[1].parse().unwrap();
    let markov = args[2] == "markov";
    let texts: Vec<Vec<u8>> = if markov {
        let paragraphs = paragraphs_in(&system_text_files());
        let m = Markov::new(&paragraphs).backoff(0.3);
        let mut rng = Rng(7);
        (0..3000)
            .map(|_| m.text(&mut rng, 300).into_bytes())
            .collect()
    } else if args[2] != "copy" {
        let mut files: Vec<_> = std::fs::read_dir(&args[2])
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        files
            .into_iter()
            .filter_map(|f| std::fs::read(f).ok())
            .filter(|t| !t.contains(&0))
            .collect()
    } else {
        system_text_files()
            .into_iter()
            .take(400)
            .filter_map(|f| std::fs::read(f).ok())
            .filter(|t| !t.contains(&0))
            .collect()
    };
    let mut corpus = Corpus::new();
    for (i, t) in texts.iter().enumerate() {
        corpus.add(format!("{i:05}"), t.clone());
    }
    let det = Detector::builder()
        .find_repeats(false)
        .boilerplate_docs(bp)
        .build()
        .unwrap();
    let report = det.run(&corpus);
    let found = common::found_pairs(&report);
    let oracle = pairs_sharing_a_run(&texts, 30, 10);
    let missed: Vec<_> = oracle.iter().filter(|p| !found(p.0, p.1)).collect();
    println!(
        "oracle {} missed {} summary {:?}",
        oracle.len(),
        missed.len(),
        report.summary()
    );
    for &&(a, b) in missed.iter().take(2) {
        let rp: Vec<_> = report
            .reuse()
            .chain(report.pairs())
            .filter(|p| [a, b].contains(&p.a.index()) || [a, b].contains(&p.b.index()))
            .map(|p| (p.a.index(), p.b.index(), p.passages().len()))
            .collect();
        println!("pairs touching {a} {b}: {:?}", &rp[..rp.len().min(12)]);
        let gs: Vec<_> = report
            .passage_groups()
            .enumerate()
            .filter(|(_, g)| {
                g.occurrences()
                    .iter()
                    .any(|o| o.doc.index() == a || o.doc.index() == b)
            })
            .map(|(i, g)| {
                (
                    i,
                    g.occurrences().len(),
                    g.occurrences()
                        .iter()
                        .filter(|o| o.doc.index() == a || o.doc.index() == b)
                        .map(|o| (o.doc.index(), o.span.start, o.span.end))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        println!("groups touching: {:?}", gs);
        let sp = det.shared_passages(&texts[a], &texts[b]);
        println!(
            "missed {a} {b}: whole-doc passages {:?}",
            sp.iter()
                .map(|p| (
                    p.tokens,
                    String::from_utf8_lossy(&texts[a][p.a.start..p.a.end])
                        .chars()
                        .take(80)
                        .collect::<String>()
                ))
                .collect::<Vec<_>>()
        );
    }
}
#[allow(dead_code)]
fn unused() {}
