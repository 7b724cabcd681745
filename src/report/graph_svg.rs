//! `graph --format svg`: the dependency graph drawn without Graphviz, laid out by
//! `layout-rs` (a Sugiyama-style layered layout in pure Rust, no dependencies of its own,
//! the same family of layout as Graphviz's `dot`), left to right: migrations, their
//! statements, the objects they touch. A graph too big to read as one picture is refused
//! with the objects worth narrowing to (`--object`).

use crate::graph::{Edge, Graph, Node, ObjectId, ObjectKind};
use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::geometry::{get_size_for_str, pad_shape_scalar};
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;
use std::collections::HashMap;

/// Beyond this many boxes the picture is refused: at a readable size it would be metres
/// wide, and the layout's time grows faster than the graph.
pub const MAX_NODES: usize = 300;
/// Up to this many boxes, the layout also reduces edge crossings.
const OPTIMIZED_NODES: usize = 130;
/// Objects suggested for `--object` when the graph is too big.
const SUGGESTED: usize = 5;
const FONT_SIZE: usize = 13;

/// Why the graph is not drawn.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SvgError {
    /// More than [`MAX_NODES`] boxes.
    #[error(
        "the graph of {what} has {nodes} nodes, too many to read as one picture (at most {MAX_NODES} are drawn); {}",
        narrowing(suggestions)
    )]
    TooBig {
        /// "the whole history", or "what touches table x".
        what: String,
        /// The boxes the picture would have.
        nodes: usize,
        /// `--object` arguments worth trying, with the statements touching each (none
        /// when the graph is already narrowed to an object).
        suggestions: Vec<String>,
    },
}

/// What to do about a graph too big to draw.
fn narrowing(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        "narrow the migrations given, or use `--format dot`, `mermaid` or `json` for the whole graph".to_string()
    } else {
        format!(
            "draw one table's part with --object, e.g. {}; or use `--format dot`, `mermaid` or `json` for the whole graph",
            suggestions.join(", ")
        )
    }
}

/// The graph (or what touches `focus`) as an SVG document, or why it is not drawn.
pub fn render(graph: &Graph, focus: Option<&ObjectId>) -> Result<String, SvgError> {
    let picture = graph.picture(focus);
    if picture.nodes.len() > MAX_NODES {
        return Err(too_big(graph, focus, picture.nodes.len()));
    }
    if picture.nodes.is_empty() {
        // layout-rs panics on a graph without nodes: an empty picture instead
        return Ok(SVGWriter::new().finalize());
    }
    let orientation = Orientation::LeftToRight;
    let mut vg = VisualGraph::new(orientation);
    let mut handles = HashMap::new();
    for (id, node, label) in &picture.nodes {
        let (fill, rounded) = match node {
            Node::Migration { .. } => ("#e8e8e8", 0),
            Node::Statement { .. } => ("#ffffff", 0),
            Node::Object {
                kind: ObjectKind::Table | ObjectKind::View,
                ..
            } => ("#cfe2f3", 12),
            Node::Object { .. } => ("#eef5fb", 12),
        };
        let look = StyleAttr::new(
            Color::fast("black"),
            1,
            Some(Color::fast(fill)),
            rounded,
            FONT_SIZE,
        );
        let size = pad_shape_scalar(get_size_for_str(label, FONT_SIZE), 12.0);
        let element = Element::create(ShapeKind::new_box(label), look, orientation, size);
        handles.insert(*id, vg.add_node(element));
    }
    for (from, to, edge) in &picture.edges {
        let (Some(&a), Some(&b)) = (handles.get(from), handles.get(to)) else {
            continue;
        };
        let line = if *edge == Edge::DependsOn {
            LineStyleKind::Dashed
        } else {
            LineStyleKind::Normal
        };
        // colours instead of labels: a labelled edge becomes a node of its own in the
        // layout, which doubles the layers and spreads the picture thin
        let colour = match edge {
            Edge::Contains => "#999999",
            Edge::Creates => "#2e7d32",
            Edge::Alters => "#e65100",
            Edge::Drops => "#c62828",
            Edge::Reads => "#1565c0",
            Edge::Writes => "#6a1b9a",
            Edge::DependsOn => "#555555",
        };
        let text = "";
        let look = StyleAttr::new(Color::fast(colour), 2, None, 0, FONT_SIZE - 2);
        vg.add_edge(
            Arrow::new(
                LineEndKind::None,
                LineEndKind::Arrow,
                line,
                text,
                &look,
                &None,
                &None,
            ),
            a,
            b,
        );
    }
    let mut svg = SVGWriter::new();
    // the crossing reduction grows much faster than the graph (measured on lemmy with
    // --object, layout-rs optimized: under 2 s for 122 nodes, 9 s for 188, 160 s for
    // 286); past OPTIMIZED_NODES the layers keep the order they were built in (the
    // graph's own: apply order of migrations and statements), which takes a second
    let fast = picture.nodes.len() > OPTIMIZED_NODES;
    vg.do_it(false, fast, false, &mut svg);
    Ok(svg.finalize())
}

/// Says how big the graph is and which objects to narrow it to: those touched by the
/// most statements.
fn too_big(graph: &Graph, focus: Option<&ObjectId>, nodes: usize) -> SvgError {
    let picture = graph.picture(None);
    let mut touches: HashMap<usize, usize> = HashMap::new();
    for (_, to, edge) in &picture.edges {
        if matches!(
            edge,
            Edge::Creates | Edge::Alters | Edge::Drops | Edge::Reads | Edge::Writes
        ) {
            *touches.entry(*to).or_default() += 1;
        }
    }
    let mut tables: Vec<(usize, &str)> = picture
        .nodes
        .iter()
        .filter_map(|(id, node, _)| match node {
            Node::Object {
                kind: ObjectKind::Table | ObjectKind::View,
                name,
            } => Some((touches.get(id).copied().unwrap_or(0), name.as_str())),
            _ => None,
        })
        .collect();
    tables.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let suggestions: Vec<String> = tables
        .iter()
        .take(SUGGESTED)
        .map(|(n, name)| format!("`--object {name}` ({n} statements)"))
        .collect();
    let what = match focus {
        Some(f) => format!("what touches {} {}", f.kind.as_str(), f.name),
        None => "the whole history".to_string(),
    };
    SvgError::TooBig {
        what,
        nodes,
        // narrowed to an object already: no other object is suggested
        suggestions: if focus.is_some() {
            Vec::new()
        } else {
            suggestions
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_graph_too_big_says_what_to_narrow_it_to() {
        let whole = SvgError::TooBig {
            what: "the whole history".into(),
            nodes: 412,
            suggestions: vec![
                "`--object public.post` (40 statements)".into(),
                "`--object public.person` (31 statements)".into(),
            ],
        };
        assert_eq!(
            whole.to_string(),
            "the graph of the whole history has 412 nodes, too many to read as one picture (at most 300 are drawn); draw one table's part with --object, e.g. `--object public.post` (40 statements), `--object public.person` (31 statements); or use `--format dot`, `mermaid` or `json` for the whole graph"
        );
        let narrowed = SvgError::TooBig {
            what: "what touches table public.post".into(),
            nodes: 305,
            suggestions: Vec::new(),
        };
        assert_eq!(
            narrowed.to_string(),
            "the graph of what touches table public.post has 305 nodes, too many to read as one picture (at most 300 are drawn); narrow the migrations given, or use `--format dot`, `mermaid` or `json` for the whole graph"
        );
    }

    #[test]
    fn an_empty_graph_is_an_empty_picture() {
        let svg = render(&Graph::default(), None);
        assert!(
            svg.as_ref()
                .is_ok_and(|s| s.contains("<svg") && s.trim_end().ends_with("</svg>")),
            "{svg:?}"
        );
    }
}
