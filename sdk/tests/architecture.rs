//! The house has no import circles: no module of the SDK depends, directly or through others, on
//! a module that depends on it — neither between the top-level modules (`client`, `workflow`,
//! `executor`, ...) nor between the files of one module. Dependencies are read from the sources
//! (`use` declarations and `crate::`/`super::` paths in code, not in comments); `pub use`
//! re-exports in a `mod.rs` are a module's facade, not a dependency, and a name imported through
//! a facade counts as a dependency on the file that defines it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path relative to the crate root: `[]` is `lib.rs`, `["workflow", "child"]` is
/// `workflow/child.rs`.
type Module = Vec<String>;

struct Source {
    module: Module,
    /// True for `mod.rs` and `lib.rs` (their children are `module + name`).
    is_dir: bool,
    code: String,
}

fn sources(root: &Path) -> Vec<Source> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read the source directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel: PathBuf = path.strip_prefix(root).expect("under the root").to_path_buf();
            let mut module: Module = rel
                .iter()
                .map(|s| s.to_string_lossy().trim_end_matches(".rs").to_string())
                .collect();
            let last = module.pop().unwrap_or_default();
            let is_dir = last == "mod" || last == "lib";
            if !is_dir {
                module.push(last);
            }
            let code = std::fs::read_to_string(&path)
                .expect("read a source file")
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            out.push(Source { module, is_dir, code });
        }
    }
    out
}

/// Expands `use a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap_or(tree).trim().to_string()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(|p| expand(p).into_iter().map(|e| format!("{prefix}{e}")))
        .collect()
}

/// The paths a file refers to, and (for a facade) the names it re-exports.
fn references(code: &str) -> (Vec<String>, Vec<String>) {
    let mut used = Vec::new();
    let mut reexported = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let before = &rest[..i];
        let at_line_start = before.rsplit('\n').next().is_some_and(|l| {
            let l = l.trim();
            l.is_empty() || l == "pub" || l.starts_with("pub(")
        });
        let is_pub = before
            .rsplit('\n')
            .next()
            .is_some_and(|l| l.trim().starts_with("pub"));
        let Some(end) = rest[i..].find(';') else { break };
        let tree = &rest[i + 4..i + end];
        if at_line_start {
            let paths = expand(&tree.replace('\n', " "));
            if is_pub {
                reexported.extend(paths);
            } else {
                used.extend(paths);
            }
        }
        rest = &rest[i + end..];
    }
    // Paths written inline in code.
    for prefix in ["crate::", "super::"] {
        let mut rest = code;
        while let Some(i) = rest.find(prefix) {
            let path: String = rest[i..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            used.push(path.trim_end_matches(':').to_string());
            rest = &rest[i + prefix.len()..];
        }
    }
    (used, reexported)
}

struct Graph {
    modules: BTreeSet<Module>,
    /// For each facade module, the names it re-exports and the module each comes from.
    facades: BTreeMap<Module, BTreeMap<String, Vec<String>>>,
}

impl Graph {
    /// The absolute segments of a path written in `from`.
    fn absolute(from: &Source, path: &str) -> Vec<String> {
        let segs: Vec<String> = path
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let mut base: Module = from.module.clone();
        if !from.is_dir {
            base.pop(); // a file's `super` is its directory's module
        }
        match segs.first().map(String::as_str) {
            Some("crate") => segs[1..].to_vec(),
            Some("super") => {
                let mut b = if from.is_dir {
                    from.module.clone()
                } else {
                    base.clone()
                };
                let mut i = 0;
                while segs.get(i).map(String::as_str) == Some("super") {
                    if from.is_dir || i > 0 {
                        b.pop();
                    }
                    i += 1;
                }
                b.extend(segs[i..].iter().cloned());
                b
            }
            Some("self") => {
                let mut b = from.module.clone();
                b.extend(segs[1..].iter().cloned());
                b
            }
            _ => Vec::new(),
        }
    }

    /// The module (file) that defines what `path` names.
    fn resolve(&self, path: &[String], depth: usize) -> Option<Module> {
        let mut module: Module = Vec::new();
        for (i, seg) in path.iter().enumerate() {
            let mut next = module.clone();
            next.push(seg.clone());
            if self.modules.contains(&next) {
                module = next;
                continue;
            }
            // An item of `module`: defined there, or re-exported from elsewhere.
            if depth < 8
                && let Some(origin) = self.facades.get(&module).and_then(|f| f.get(seg))
            {
                let mut target = origin.clone();
                target.extend(path[i + 1..].iter().cloned());
                return self.resolve(&target, depth + 1).or(Some(module));
            }
            return Some(module);
        }
        Some(module)
    }
}

fn cycles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    // Tarjan's strongly connected components; a component of more than one node is a circle.
    struct T<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<Module, usize>,
        low: BTreeMap<Module, usize>,
        stack: Vec<Module>,
        on: BTreeSet<Module>,
        out: Vec<Vec<Module>>,
    }
    fn visit(t: &mut T, v: &Module) {
        let i = t.index.len();
        t.index.insert(v.clone(), i);
        t.low.insert(v.clone(), i);
        t.stack.push(v.clone());
        t.on.insert(v.clone());
        for w in t.edges.get(v).cloned().unwrap_or_default() {
            if !t.index.contains_key(&w) {
                visit(t, &w);
                let lw = t.low[&w];
                let lv = t.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if t.on.contains(&w) {
                let iw = t.index[&w];
                let lv = t.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut component = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(&w);
                let done = &w == v;
                component.push(w);
                if done {
                    break;
                }
            }
            if component.len() > 1 {
                t.out.push(component);
            }
        }
    }
    let mut t = T {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

fn show(m: &Module) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

#[test]
fn the_sdk_has_no_import_circles() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let sources = sources(&root);
    let mut graph = Graph {
        modules: sources.iter().map(|s| s.module.clone()).collect(),
        facades: BTreeMap::new(),
    };
    for s in sources.iter().filter(|s| s.is_dir) {
        let (_, reexported) = references(&s.code);
        let facade = graph.facades.entry(s.module.clone()).or_default();
        for path in reexported {
            let abs = Graph::absolute(s, &path);
            let relative = {
                // `pub use child::Item` is relative to the facade itself.
                let mut m = s.module.clone();
                m.extend(path.split("::").map(str::to_string));
                m
            };
            let target = if abs.is_empty() { relative } else { abs };
            if let Some(name) = target.last() {
                facade.insert(name.clone(), target.iter().map(|x| x.to_string()).collect());
            }
        }
    }
    let mut file_edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    let mut top_edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for s in &sources {
        let (used, _) = references(&s.code);
        for path in used {
            let mut abs = Graph::absolute(s, &path);
            if abs.is_empty() {
                // `use child::x` inside a facade, relative to it.
                if !s.is_dir {
                    continue;
                }
                abs = s.module.clone();
                abs.extend(path.split("::").map(str::to_string));
            }
            let Some(target) = graph.resolve(&abs, 0) else {
                continue;
            };
            // A module's own items, and a parent's facade, are not dependencies of interest.
            if target == s.module || target.is_empty() {
                continue;
            }
            file_edges
                .entry(s.module.clone())
                .or_default()
                .insert(target.clone());
            let (from_top, to_top) = (s.module.first(), target.first());
            if let (Some(a), Some(b)) = (from_top, to_top)
                && a != b
            {
                top_edges
                    .entry(vec![a.clone()])
                    .or_default()
                    .insert(vec![b.clone()]);
            }
        }
    }
    let describe = |cycles: Vec<Vec<Module>>| {
        cycles
            .iter()
            .map(|c| c.iter().map(show).collect::<Vec<_>>().join(" <-> "))
            .collect::<Vec<_>>()
    };
    let top = describe(cycles(&top_edges));
    assert!(
        top.is_empty(),
        "import circles between top-level modules: {top:#?}"
    );
    let files = describe(cycles(&file_edges));
    assert!(files.is_empty(), "import circles between files: {files:#?}");
    // The layering the architecture document describes.
    let depends = |a: &str, b: &str| {
        top_edges
            .get(&vec![a.to_string()])
            .is_some_and(|d| d.contains(&vec![b.to_string()]))
    };
    assert!(
        !depends("executor", "workflow"),
        "the executor must not know the typed workflow API"
    );
    assert!(
        !depends("workflow", "client"),
        "workflow code must not depend on the client"
    );
    assert!(
        !depends("workflow", "worker"),
        "workflow code must not depend on the worker"
    );
}

#[test]
fn use_trees_expand() {
    assert_eq!(
        expand("crate::a::{b, c::{d, e as f}}"),
        vec!["crate::a::b", "crate::a::c::d", "crate::a::c::e"]
    );
}
