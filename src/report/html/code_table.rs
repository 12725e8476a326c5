//! The HTML report's code table: a row per code (and group) with its numbers, description,
//! messages and RequestIds ready to copy; the page's script sorts it by any column.

use std::fmt::Write as _;

use super::{count, escape, num, pct, short_time, time_cell};
use crate::report::{CodeRow, Report};

/// Writes the code table: one sortable row per code (and group).
pub(super) fn write(p: &mut String, r: &Report) {
    p.push_str(
        "<section id=\"codes\">\n<h2>Codes</h2>\n<p class=\"note\">Click a heading to sort. \
         Each row's RequestIds are ready to copy into a support ticket. \
         <button class=\"toggle\" data-for=\"#codes\" hidden>open or close all</button></p>\n\
         <div class=\"wrap\">\n<table class=\"sortable\" id=\"code-table\"><thead><tr>\
         <th>code</th>",
    );
    if let Some(g) = r.group_by {
        let _ = write!(p, "<th>{}</th>", g.as_str());
    }
    p.push_str(
        "<th>class</th><th>fault</th><th class=\"n\">count</th><th class=\"n\">share</th>\
         <th class=\"n\">rate</th><th>first seen</th><th>last seen</th><th class=\"n\">p50 ms\
         </th><th class=\"n\">p90 ms</th><th class=\"n\">p99 ms</th><th class=\"n\">max ms</th>\
         <th>messages and RequestIds</th></tr></thead>\n<tbody>\n",
    );
    for (i, c) in r.codes.iter().enumerate() {
        code_row(p, r, i, c);
    }
    p.push_str("</tbody></table>\n</div>\n</section>\n");
}

fn code_row(p: &mut String, r: &Report, i: usize, c: &CodeRow) {
    let code = escape(&c.code);
    let _ = write!(p, "<tr data-code=\"{code}\"");
    if let Some(g) = &c.group {
        let _ = write!(p, " data-group=\"{}\"", escape(g));
    }
    let _ = write!(
        p,
        " data-count=\"{}\" data-share=\"{}\" data-rate=\"{}\"><td data-v=\"{code}\">\
         <div class=\"code\">{code}</div>",
        c.count,
        c.share,
        num(c.rate)
    );
    if let Some(d) = &c.description {
        let _ = write!(p, "<div class=\"desc\">{}</div>", escape(d));
    }
    p.push_str("</td>");
    if r.group_by.is_some() {
        let _ = write!(p, "<td>{}</td>", escape(c.group.as_deref().unwrap_or("-")));
    }
    let _ = write!(
        p,
        "<td>{}</td><td>{}</td><td class=\"n\" data-v=\"{}\">{}</td><td class=\"n\" \
         data-v=\"{}\">{}</td><td class=\"n\" data-v=\"{}\">{}</td>",
        escape(c.class),
        escape(c.fault),
        c.count,
        count(c.count),
        c.share,
        pct(Some(c.share)),
        num(c.rate),
        pct(c.rate)
    );
    time_cell(p, c.first_seen);
    time_cell(p, c.last_seen);
    match c.latency {
        Some(l) => {
            for v in [l.p50, l.p90, l.p99, l.max] {
                let _ = write!(p, "<td class=\"n\" data-v=\"{v}\">{v:.1}</td>");
            }
        }
        None => p.push_str(&"<td class=\"n\" data-v=\"\">-</td>".repeat(4)),
    }
    support(p, i, c);
    p.push_str("</tr>\n");
}

/// A code's messages and RequestIds, folded: the ids one a line (newest first, then the
/// first seen) in a block to copy, then the latest with when and where.
fn support(p: &mut String, i: usize, c: &CodeRow) {
    let mut ids: Vec<&str> = Vec::with_capacity(c.latest.len() + c.first.len());
    for s in c.latest.iter().chain(&c.first) {
        if !ids.contains(&s.id.as_str()) {
            ids.push(&s.id);
        }
    }
    let _ = write!(
        p,
        "<td><details><summary>{} message{} · {} RequestId{}</summary>",
        c.messages.len(),
        if c.messages.len() == 1 { "" } else { "s" },
        ids.len(),
        if ids.len() == 1 { "" } else { "s" }
    );
    if !c.messages.is_empty() {
        p.push_str("<ul class=\"msgs\">");
        for (text, n) in &c.messages {
            let _ = write!(
                p,
                "<li data-count=\"{n}\"><b>{}×</b> {}</li>",
                count(*n),
                escape(text)
            );
        }
        p.push_str("</ul>");
    }
    if !ids.is_empty() {
        let _ = write!(p, "<pre class=\"ids\" id=\"ids-{i}\">");
        for (k, id) in ids.iter().enumerate() {
            if k > 0 {
                p.push('\n');
            }
            p.push_str(&escape(id));
        }
        let _ = write!(
            p,
            "</pre><button class=\"copy\" data-for=\"ids-{i}\" hidden>copy RequestIds</button>"
        );
    }
    if !c.latest.is_empty() {
        p.push_str("<table class=\"latest\"><tbody>");
        for s in &c.latest {
            let _ = write!(
                p,
                "<tr><td class=\"t\">{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td></tr>",
                s.time.map_or_else(|| "-".to_string(), short_time),
                escape(&s.id),
                escape(s.action.as_deref().unwrap_or("-")),
                escape(s.region.as_deref().unwrap_or("-"))
            );
        }
        p.push_str("</tbody></table>");
    }
    p.push_str("</details></td>");
}
