use neardup::reuse::*;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = &args[1];
    let (x, y): (usize, usize) = (args[2].parse().unwrap(), args[3].parse().unwrap());
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let texts: Vec<Vec<u8>> = files
        .into_iter()
        .filter_map(|f| std::fs::read(f).ok())
        .filter(|t| !t.contains(&0))
        .collect();
    let hashes: Vec<Vec<u64>> = texts
        .iter()
        .map(|t| neardup::text::tokens(t).map(|t| t.hash).collect())
        .collect();
    let (f, w) = layout(25);
    let (lf, lw) = long_layout(25);
    let short: Vec<Fingerprints> = hashes.iter().map(|h| Fingerprints::new(h, f, w)).collect();
    let common = Boilerplate::of(&short, 24, 50);
    let fin: Vec<Fingerprints> = hashes
        .iter()
        .zip(&short)
        .map(|(h, p)| {
            if common.holds_any(p) {
                Fingerprints::around_boilerplate(h, (f, w), (lf, lw), &common)
            } else {
                p.clone()
            }
        })
        .collect();
    let index = FingerprintIndex::new(&fin, 24, 50);
    let sx = index.shared_from(x as u32);
    let to_y: Vec<_> = sx.iter().filter(|s| s.b == y as u32).collect();
    println!(
        "x={x} fps={} y={y} fps={}; entries x->y: {:?}",
        fin[x].len(),
        fin[y].len(),
        to_y
    );
    let shared = fin[x].shared(&fin[y]);
    println!("shared fingerprints x,y: {:?}", shared);
    for (h, p) in fin[x].iter() {
        if let Some((_, q)) = fin[y].iter().find(|(g, _)| *g == h) {
            let holders = fin
                .iter()
                .filter(|f| f.hashes().binary_search(&h).is_ok())
                .count();
            println!(
                "  hash at x:{p} y:{q} holders {holders} boiler {}",
                index.boilerplate().contains(h)
            );
        }
    }
    let det = neardup::Detector::builder().build().unwrap();
    for p in det.shared_passages(&texts[x], &texts[y]) {
        let tx: Vec<_> = neardup::text::tokens(&texts[x]).collect();
        let ty: Vec<_> = neardup::text::tokens(&texts[y]).collect();
        let ia = tx.iter().position(|t| t.span.start == p.a.start).unwrap();
        let ib = ty.iter().position(|t| t.span.start == p.b.start).unwrap();
        println!(
            "passage tokens x:{ia}.. y:{ib}.. {} matched {} differing",
            p.tokens, p.differing
        );
    }
    // Exact runs >= 30 by brute force
    let (hx, hy) = (&hashes[x], &hashes[y]);
    for i in 0..hx.len() {
        for j in 0..hy.len() {
            if (i == 0 || j == 0 || hx[i - 1] != hy[j - 1]) && hx[i] == hy[j] {
                let l = hx[i..]
                    .iter()
                    .zip(&hy[j..])
                    .take_while(|(a, b)| a == b)
                    .count();
                if l >= 30 {
                    println!("exact run x:{i} y:{j} len {l}");
                }
            }
        }
    }
}
