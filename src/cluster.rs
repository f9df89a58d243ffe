//! Clusters: connected components of the confirmed near-duplicate pairs.
//!
//! # Algorithm
//!
//! Union-find with path halving and union by size (Tarjan 1975). Each cluster's
//! representative is its smallest document id, the first document of the cluster in
//! corpus order, so it is stable across runs and thread counts. Note that the relation is
//! transitive closure: a chain a~b~c forms one cluster even when a and c are not similar.
//!
//! # Cost
//!
//! O(n + p·α(n)) for n documents and p pairs; 8 bytes per document.

/// A disjoint-set forest over ids `0..n`.
#[derive(Clone, Debug)]
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    /// `n` singleton sets.
    ///
    /// # Panics
    ///
    /// When `n` exceeds `u32::MAX` (ids are `u32`).
    pub fn new(n: usize) -> UnionFind {
        assert!(u32::try_from(n).is_ok(), "more than u32::MAX ids");
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    /// The root of `x`'s set.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    /// Merges the sets of `a` and `b`.
    pub fn union(&mut self, a: u32, b: u32) {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        if self.size[ra as usize] < self.size[rb as usize] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb as usize] = ra;
        self.size[ra as usize] += self.size[rb as usize];
    }

    /// The sets with at least two members, each sorted ascending, ordered by their
    /// smallest member (which is the first element of each).
    pub fn groups(&mut self) -> Vec<Vec<u32>> {
        let n = self.parent.len();
        let mut slot_of_root = vec![u32::MAX; n];
        let mut groups: Vec<Vec<u32>> = Vec::new();
        for x in 0..n as u32 {
            let root = self.find(x) as usize;
            if self.size[root] < 2 {
                continue;
            }
            if slot_of_root[root] == u32::MAX {
                slot_of_root[root] = groups.len() as u32;
                groups.push(Vec::new());
            }
            groups[slot_of_root[root] as usize].push(x);
        }
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_join_and_singletons_are_left_out() {
        let mut uf = UnionFind::new(7);
        uf.union(5, 1);
        uf.union(1, 3);
        uf.union(6, 4);
        assert_eq!(uf.groups(), [vec![1, 3, 5], vec![4, 6]]);
    }

    #[test]
    fn union_is_idempotent() {
        let mut uf = UnionFind::new(3);
        uf.union(0, 2);
        uf.union(2, 0);
        assert_eq!(uf.find(0), uf.find(2));
        assert_eq!(uf.groups(), [vec![0, 2]]);
    }
}
