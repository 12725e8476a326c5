//! `errstat codes`: the catalog as a table, JSON, CSV, NDJSON or Markdown.

use std::io::{self, Write};

use regex::Regex;
use serde_json::json;

use super::Format;
use crate::catalog::{self, Catalog, Lang};

/// Writes every catalog code (matching `only`, when given) in `format`.
pub fn render_codes(
    catalog: &Catalog,
    lang: Lang,
    only: Option<&Regex>,
    format: Format,
    width: Option<u16>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let rows: Vec<[String; 5]> = catalog
        .iter()
        .filter(|(code, _)| only.is_none_or(|re| re.is_match(code)))
        .map(|(code, e)| {
            [
                code.to_string(),
                catalog.class_of(code).as_str().to_string(),
                catalog::category_of(code).to_string(),
                catalog::fault_of(code).as_str().to_string(),
                e.description(lang).unwrap_or("").to_string(),
            ]
        })
        .collect();
    const HEADER: [&str; 5] = ["code", "class", "category", "fault", "description"];
    let object = |r: &[String; 5]| json!({ "code": r[0], "class": r[1], "category": r[2], "fault": r[3], "description": r[4] });
    match format {
        Format::Table => {
            let header = HEADER.map(str::to_uppercase);
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            let cells = rows
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|c| comfy_table::Cell::new(super::inert(c)))
                        .collect()
                })
                .collect();
            let g = super::table::fit(&header, cells, 4, &[2, 1], width, false);
            writeln!(out, "{g}")
        }
        Format::Json => {
            let doc = json!({
                "schema": "errstat.codes/v1",
                "codes": rows.iter().map(object).collect::<Vec<_>>(),
            });
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
        Format::Ndjson => {
            for r in &rows {
                serde_json::to_writer(&mut *out, &object(r))?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Markdown => {
            let rows = rows.iter().map(|r| r.to_vec());
            super::markdown::table(out, &HEADER, &[false; 5], rows)
        }
        Format::Partial => Err(io::Error::other("the catalog has no partial form")),
        Format::Html => Err(io::Error::other("the catalog has no html form")),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(HEADER).map_err(super::csv::io_error)?;
            for r in &rows {
                w.write_record(r).map_err(super::csv::io_error)?;
            }
            w.flush()
        }
    }
}
