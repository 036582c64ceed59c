use super::*;
use proptest::prelude::*;

fn study(label: &str, value: f64, lower: f64, upper: f64, weight: f64) -> StudyRow {
    StudyRow {
        label: label.to_owned(),
        events: [4, 11],
        totals: [123, 139],
        weights: vec![Some(weight)],
        marker_weight: Some(weight),
        effect: Ok(Estimate {
            value,
            lower,
            upper,
        }),
        excluded: false,
        row: 0,
        explain: String::new(),
        rob: None,
    }
}

fn spec(studies: Vec<StudyRow>) -> ForestSpec {
    ForestSpec {
        measure: Measure::RiskRatio,
        method_label: "IV, Random, 95% CI".to_owned(),
        label_header: STUDY_HEADER.to_owned(),
        arms: ["Vaccinated".to_owned(), "Control".to_owned()],
        favours: ["Favours vaccine".to_owned(), "Favours control".to_owned()],
        weight_headers: vec!["Weight".to_owned()],
        sections: vec![Section {
            heading: None,
            studies,
            pooled: vec![PooledRow {
                label: "Total (95% CI)".to_owned(),
                totals: Some([1000, 1000]),
                weights: vec![Some(100.0)],
                effect: Ok(Estimate {
                    value: 0.49,
                    lower: 0.34,
                    upper: 0.70,
                }),
                explain: String::new(),
            }],
            total_events: Some([10, 20]),
            notes: vec![],
        }],
        overall: vec![],
        overall_events: None,
        prediction: Some(Ok(Estimate {
            value: 0.49,
            lower: 0.14,
            upper: 1.77,
        })),
        prediction_explain: String::new(),
        footer: vec![FooterLine {
            text: "Heterogeneity: Tau² = 0.31; Chi² = 152.23, df = 12 (P < 0.00001); I² = 92%"
                .to_owned(),
            explain: String::new(),
        }],
        set_aside: None,
        description: "13 trials".to_owned(),
        risk_of_bias: false,
    }
}

fn squares(layout: &Layout) -> Vec<(f64, f64)> {
    layout
        .rows
        .iter()
        .filter_map(|r| match r.marker {
            Marker::Square { x, side } => Some((x, side)),
            _ => None,
        })
        .collect()
}

#[test]
fn square_areas_are_proportional_to_weights() {
    let l = layout(
        &spec(vec![
            study("A", 0.5, 0.3, 0.8, 40.0),
            study("B", 0.7, 0.4, 1.2, 10.0),
            study("C", 0.9, 0.6, 1.3, 2.5),
        ]),
        &PlotOptions::default(),
    );
    let s = squares(&l);
    assert_eq!(s.len(), 3);
    assert!((s[0].1.powi(2) / s[1].1.powi(2) - 4.0).abs() < 1e-9);
    assert!((s[0].1.powi(2) / s[2].1.powi(2) - 16.0).abs() < 1e-9);
    assert_eq!(s[0].1, PlotOptions::default().max_square);
}

#[test]
fn squares_sit_at_their_estimate_on_the_axis() {
    let l = layout(
        &spec(vec![study("A", 0.5, 0.3, 0.8, 40.0)]),
        &PlotOptions::default(),
    );
    let (x, _) = squares(&l)[0];
    assert!((x - l.axis.clamped(0.5)).abs() < 1e-9);
    assert!(x < l.axis.clamped(1.0));
}

#[test]
fn every_study_and_the_footer_appear_in_the_svg() {
    let names = ["Aronson", "Ferguson & Simes", "Rosenthal"];
    let studies = names
        .iter()
        .map(|n| study(n, 0.5, 0.3, 0.8, 10.0))
        .collect();
    let svg = layout(&spec(studies), &PlotOptions::default()).to_svg();
    assert!(svg.contains(">Aronson</text>"));
    assert!(svg.contains(">Ferguson &amp; Simes</text>"));
    assert!(svg.contains("Rosenthal"));
    assert!(svg.contains("I² = 92%"));
    assert!(svg.contains("Favours vaccine"));
    assert!(svg.contains("0.49 [0.34, 0.70]"));
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.ends_with("</svg>"));
}

#[test]
fn markup_in_names_stays_text() {
    let svg = layout(
        &spec(vec![study(
            "<script>alert(1)</script>",
            0.5,
            0.3,
            0.8,
            10.0,
        )]),
        &PlotOptions::default(),
    )
    .to_svg();
    assert!(!svg.contains("<script>"));
    assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn long_names_are_cut_and_keep_the_full_name_as_a_tooltip() {
    let long =
        "The Extremely Long Name of a Multicentre Collaborative Trial Group (2001), second report";
    let l = layout(
        &spec(vec![study(long, 0.5, 0.3, 0.8, 10.0)]),
        &PlotOptions::default(),
    );
    let cut = l.shapes.iter().find_map(|s| match s {
        Shape::Text {
            full: Some(full),
            text,
            ..
        } if full == long => Some(text.clone()),
        _ => None,
    });
    let cut = cut.expect("the long name is cut");
    assert!(cut.ends_with('…'));
    assert!(text::width(&cut, 12.0, false) <= PlotOptions::default().max_label_width);
}

#[test]
fn intervals_past_the_axis_end_in_arrows() {
    let l = layout(
        &spec(vec![
            study("A", 0.5, 0.3, 0.8, 40.0),
            study("Wide", 1.5, 1e-4, 1e4, 1.0),
        ]),
        &PlotOptions::default(),
    );
    let wide = l
        .rows
        .iter()
        .filter(|r| r.kind == RowKind::Study)
        .nth(1)
        .expect("row");
    assert_eq!(wide.arrows, [true, true]);
    let narrow = l
        .rows
        .iter()
        .find(|r| r.kind == RowKind::Study)
        .expect("row");
    assert_eq!(narrow.arrows, [false, false]);
    assert_eq!(l.axis.max, RATIO_WIDEN_FOR_LIMITS_TEST);
}

const RATIO_WIDEN_FOR_LIMITS_TEST: f64 = crate::plot::axis::RATIO_WIDEN_FOR_LIMITS;

#[test]
fn undefined_studies_show_their_reason_and_no_mark() {
    let mut s = study("Double zero", 1.0, 1.0, 1.0, 0.0);
    s.effect = Err("Not estimable".to_owned());
    s.weights = vec![None];
    s.marker_weight = None;
    let l = layout(&spec(vec![s]), &PlotOptions::default());
    let row = l
        .rows
        .iter()
        .find(|r| r.kind == RowKind::Study)
        .expect("row");
    assert_eq!(row.marker, Marker::None);
    assert!(l.to_svg().contains("Not estimable"));
}

#[test]
fn pooled_rows_are_diamonds_spanning_their_interval() {
    let l = layout(
        &spec(vec![study("A", 0.5, 0.3, 0.8, 40.0)]),
        &PlotOptions::default(),
    );
    let d = l
        .rows
        .iter()
        .find(|r| r.kind == RowKind::Pooled)
        .expect("pooled");
    match d.marker {
        Marker::Diamond { left, x, right } => {
            assert!((left - l.axis.clamped(0.34)).abs() < 1e-9);
            assert!((x - l.axis.clamped(0.49)).abs() < 1e-9);
            assert!((right - l.axis.clamped(0.70)).abs() < 1e-9);
        }
        other => panic!("expected a diamond, got {other:?}"),
    }
    let p = l
        .rows
        .iter()
        .find(|r| r.kind == RowKind::Prediction)
        .expect("prediction");
    assert!(matches!(p.marker, Marker::Bar { .. }));
}

#[test]
fn subgroups_get_headings_and_their_own_diamonds() {
    let mut s = spec(vec![study("A", 0.5, 0.3, 0.8, 40.0)]);
    let mut second = s.sections[0].clone();
    s.sections[0].heading = Some("Random allocation".to_owned());
    second.heading = Some("Alternate allocation".to_owned());
    s.sections.push(second);
    s.overall = s.sections[0].pooled.clone();
    let l = layout(&s, &PlotOptions::default());
    assert_eq!(
        l.rows.iter().filter(|r| r.kind == RowKind::Heading).count(),
        2
    );
    assert_eq!(
        l.rows.iter().filter(|r| r.kind == RowKind::Pooled).count(),
        3
    );
    // A heading runs on over the columns of numbers, as in RevMan; a study's name of
    // the same length is cut to the label column.
    let long = "Epoetin alfa versus darbepoetin alfa, one to three times a week";
    s.sections[1].heading = Some(long.to_owned());
    s.sections[1].studies[0].label = long.to_owned();
    let l = layout(&s, &PlotOptions::default());
    let texts: Vec<(&str, bool)> = l
        .shapes
        .iter()
        .filter_map(|shape| match shape {
            Shape::Text { text, full, .. } if text.starts_with("Epoetin") => {
                Some((text.as_str(), full.is_some()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert_eq!(texts[0], (long, false));
    assert!(texts[1].1 && texts[1].0.ends_with('…'), "{texts:?}");
}

#[test]
fn height_grows_with_the_number_of_studies_and_nothing_overlaps() {
    let many: Vec<StudyRow> = (0..100)
        .map(|i| {
            study(
                &format!("Study {i}"),
                0.5 + f64::from(i) / 100.0,
                0.2,
                2.0,
                1.0,
            )
        })
        .collect();
    let one = layout(&spec(many[..1].to_vec()), &PlotOptions::default());
    let hundred = layout(&spec(many), &PlotOptions::default());
    let row = PlotOptions::default().row_height;
    assert!((hundred.height - one.height - 99.0 * row).abs() <= 1.0);
    let ys: Vec<f64> = hundred.rows.iter().map(|r| r.y).collect();
    assert!(ys.windows(2).all(|w| w[1] - w[0] >= row - 1e-9));
    assert!(ys.iter().all(|y| *y < hundred.height));
}

#[test]
fn risk_differences_use_a_linear_axis_around_zero() {
    let mut s = spec(vec![study("A", -0.03, -0.08, 0.02, 40.0)]);
    s.measure = Measure::RiskDifference;
    s.sections[0].pooled[0].effect = Ok(Estimate {
        value: -0.03,
        lower: -0.05,
        upper: -0.01,
    });
    s.prediction = None;
    let l = layout(&s, &PlotOptions::default());
    assert_eq!(l.axis.scale, Scale::Linear);
    assert_eq!((l.axis.min, l.axis.max), (-0.1, 0.1));
}

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => 1e-6f64..1e6,
        1 => Just(0.0),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
    ]
}

proptest! {
    #[test]
    fn any_values_give_a_finite_well_formed_plot(
        rows in prop::collection::vec((value(), value(), value(), 0.0f64..100.0, ".{0,40}"), 0..30),
        difference in any::<bool>(),
    ) {
        let studies = rows
            .iter()
            .map(|(v, l, u, w, name)| study(name, *v, *l, *u, *w))
            .collect();
        let mut s = spec(studies);
        if difference {
            s.measure = Measure::RiskDifference;
        }
        let l = layout(&s, &PlotOptions::default());
        let svg = l.to_svg();
        prop_assert!(!svg.contains("NaN"));
        prop_assert!(!svg.contains("inf"));
        prop_assert!(l.width.is_finite() && l.height.is_finite());
        for r in &l.rows {
            if let Marker::Square { x, side } = r.marker {
                prop_assert!(x >= l.axis.x0 - 1e-9 && x <= l.axis.x0 + l.axis.width + 1e-9);
                prop_assert!(side.is_finite() && side > 0.0);
            }
        }
    }
}

#[test]
fn groups_cover_every_shape_once_in_order_and_hold_one_layer() {
    let studies = (0..70)
        .map(|i| study(&format!("S{i}"), 0.8, 0.5, 1.3, 1.0 + f64::from(i)))
        .collect();
    let l = layout(&spec(studies), &PlotOptions::default());
    let mut next = 0;
    for g in &l.groups {
        assert_eq!(g.start, next);
        assert!(!g.is_empty() && g.len() <= GROUP_SIZE);
        next = g.end;
    }
    assert_eq!(next, l.shapes.len());
    let joined: String = (0..l.groups.len())
        .map(|i| format!("<g>{}</g>", l.group_svg(i)))
        .collect();
    assert!(
        l.to_svg().contains(&joined),
        "the file is made of the groups"
    );
}

#[test]
fn an_edit_to_one_study_changes_few_groups() {
    let mut studies: Vec<StudyRow> = (0..200)
        .map(|i| study(&format!("S{i}"), 0.8, 0.5, 1.3, 0.5))
        .collect();
    let before = layout(&spec(studies.clone()), &PlotOptions::default());
    studies[100].events[0] = 7;
    studies[100].effect = Ok(Estimate {
        value: 0.9,
        lower: 0.6,
        upper: 1.35,
    });
    for (i, s) in studies.iter_mut().enumerate() {
        s.weights = vec![Some(0.5 + if i == 100 { 0.1 } else { 0.0 })];
    }
    let after = layout(&spec(studies), &PlotOptions::default());
    assert_eq!(before.groups.len(), after.groups.len());
    let changed = (0..after.groups.len())
        .filter(|&i| before.group_svg(i) != after.group_svg(i))
        .count();
    assert!(
        changed * 4 < after.groups.len(),
        "{changed} of {} groups changed",
        after.groups.len()
    );
}

#[test]
fn text_fill_is_the_ink_of_text() {
    assert_eq!(TEXT_FILL, Ink::Text.hex());
}

/// Plots laid out with different ids name different elements, and a build-up's steps share
/// the axis they are given.
#[test]
fn ids_and_a_given_axis() {
    let one = spec(vec![study("A", 1.2, 0.9, 1.6, 1.0)]);
    let main = layout(&one, &PlotOptions::default());
    let stage = layout(
        &one,
        &PlotOptions {
            id: "grove-stage",
            axis_limit: Some(100.0),
            ..PlotOptions::scaled(16.0)
        },
    );
    assert_eq!(main.labelled_by(), "grove-forest-title grove-forest-desc");
    assert!(stage.to_svg().contains(r#"<title id="grove-stage-title">"#));
    assert!(
        stage
            .to_svg()
            .contains(r#"aria-labelledby="grove-stage-title grove-stage-desc""#)
    );
    assert!(main.axis.max < 100.0);
    assert_eq!((stage.axis.min, stage.axis.max), (0.01, 100.0));
    assert_eq!(stage.font_size, 16.0);
}

/// Each group's extent holds its shapes, and a long plot's row groups are short: a page
/// that leaves far groups out of layout leaves most of them out.
#[test]
fn group_extents_hold_their_shapes_and_row_groups_are_local() {
    let studies = (0..200)
        .map(|i| {
            study(
                &format!("Trial {i}"),
                1.0 + f64::from(i % 7) / 10.0,
                0.5,
                2.5,
                1.0,
            )
        })
        .collect();
    let l = layout(&spec(studies), &PlotOptions::default());
    let extents = l.group_extents();
    assert_eq!(extents.len(), l.groups.len());
    for (range, &(top, bottom)) in l.groups.iter().zip(&extents) {
        assert!(top <= bottom && top >= -l.font_size && bottom <= l.height + l.font_size);
        for shape in &l.shapes[range.clone()] {
            let ys: Vec<f64> = match shape {
                Shape::Text { y, .. } => vec![*y - l.font_size, *y],
                Shape::Line { y1, y2, .. } => vec![*y1, *y2],
                Shape::Polygon { points, .. } | Shape::Polyline { points, .. } => {
                    points.iter().map(|p| p.1).collect()
                }
                Shape::Circle { cy, r, .. } | Shape::Disc { cy, r, .. } => vec![cy - r, cy + r],
            };
            assert!(
                ys.iter().all(|y| (top..=bottom).contains(y)),
                "{shape:?} in {top}..{bottom}"
            );
        }
    }
    let short = extents
        .iter()
        .filter(|(top, bottom)| bottom - top < l.height / 10.0)
        .count();
    assert!(
        short * 10 > extents.len() * 9,
        "{short} of {} groups are short",
        extents.len()
    );
}

/// The extent `[left, right]` of a text shape.
fn text_span(shape: &Shape, size: f64) -> Option<(f64, f64, f64, String)> {
    match shape {
        Shape::Text {
            x,
            y,
            text,
            anchor,
            bold,
            ..
        } => {
            let w = crate::plot::text::width(text, size, *bold);
            let left = match anchor {
                Anchor::Start => *x,
                Anchor::Middle => x - w / 2.0,
                Anchor::End => x - w,
            };
            Some((left, left + w, *y, text.clone()))
        }
        _ => None,
    }
}

#[test]
fn trials_switched_off_are_noted_beside_the_axis_without_resizing_the_plot() {
    let studies: Vec<StudyRow> = (0..5)
        .map(|i| study(&format!("Study {i}"), 0.5, 0.2, 2.0, 1.0))
        .collect();
    let o = PlotOptions::default();
    let plain = layout(&spec(studies.clone()), &o);
    let mut off = spec(studies.clone());
    off.set_aside = Some("1 trial excluded by you (Study 2)".to_owned());
    let noted = layout(&off, &o);
    assert_eq!((noted.width, noted.height), (plain.width, plain.height));
    let texts: Vec<_> = noted
        .shapes
        .iter()
        .filter_map(|s| text_span(s, o.font_size))
        .collect();
    let note = texts
        .iter()
        .find(|t| t.3.starts_with("1 trial excluded"))
        .expect("the note");
    let shown = texts
        .iter()
        .find(|t| t.3 == SET_ASIDE_SHOWN)
        .expect("what it means");
    // Nothing else on their rows reaches into them.
    for t in [note, shown] {
        for other in texts
            .iter()
            .filter(|o| (o.2 - t.2).abs() < 1.0 && o.3 != t.3)
        {
            assert!(other.0 > t.1, "{:?} overlaps {:?}", other, t);
        }
    }
    // A note too long to fit there becomes the first footer line, and the plot grows.
    off.set_aside = Some(format!(
        "5 trials excluded by you ({})",
        ["A study with a long name, 1999"; 5].join(", ")
    ));
    let long = layout(&off, &o);
    assert!(long.height > plain.height);
    let svg = long.to_svg();
    assert!(svg.contains(&format!("1999): {SET_ASIDE_SHOWN}")), "{svg}");
    let (note_y, heterogeneity_y) = (
        long.shapes
            .iter()
            .filter_map(|s| text_span(s, o.font_size))
            .find(|t| t.3.starts_with("5 trials"))
            .expect("note")
            .2,
        long.shapes
            .iter()
            .filter_map(|s| text_span(s, o.font_size))
            .find(|t| t.3.starts_with("Heterogeneity"))
            .expect("footer")
            .2,
    );
    assert!(note_y < heterogeneity_y, "first footer line");
}

/// RevMan's risk-of-bias columns: a disc with its symbol per judged domain, right of the
/// graph, headed D1 to D5 and Overall, with the legend; none without judgements.
#[test]
fn risk_of_bias_columns_draw_each_judgement_with_its_symbol_and_a_legend() {
    use crate::rob::{Assessment, Judgement};
    let mut s = spec(vec![
        study("Aronson", 0.4, 0.2, 0.8, 30.0),
        study("Ferguson", 0.5, 0.3, 0.9, 70.0),
    ]);
    s.sections[0].studies[1].row = 1;
    let plain = layout(&s, &PlotOptions::default());
    s.set_risk_of_bias(|row| {
        (row == 0).then_some(Assessment {
            domains: [
                Some(Judgement::Low),
                Some(Judgement::SomeConcerns),
                None,
                Some(Judgement::Low),
                Some(Judgement::High),
            ],
            overall: Some(Judgement::High),
        })
    });
    assert!(s.risk_of_bias);
    let l = layout(&s, &PlotOptions::default());
    let discs: Vec<(f64, f64, &str, Ink)> = l
        .shapes
        .iter()
        .filter_map(|sh| match sh {
            Shape::Disc {
                cx, cy, title, ink, ..
            } => Some((*cx, *cy, title.as_str(), *ink)),
            _ => None,
        })
        .collect();
    // Five judged domains on Aronson's row, and the legend's three.
    assert_eq!(discs.len(), 5 + 3, "{discs:?}");
    let row_y = l.rows.iter().find(|r| r.table_row == Some(0)).unwrap().y;
    let on_row: Vec<_> = discs.iter().filter(|d| d.1 == row_y).collect();
    assert_eq!(on_row.len(), 5);
    assert_eq!(on_row[0].2, "D1: Low");
    assert_eq!(on_row[4].2, "Overall: High");
    assert_eq!(on_row[4].3, Ink::Risk(Judgement::High));
    assert!(on_row.windows(2).all(|w| w[0].0 < w[1].0), "left to right");
    assert!(on_row[0].0 > l.axis.x0 + l.axis.width, "right of the graph");
    assert!(l.width > plain.width);
    let texts: Vec<&str> = l
        .shapes
        .iter()
        .filter_map(|sh| match sh {
            Shape::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    for t in [
        "Risk of bias",
        "D1",
        "D5",
        "Overall",
        "+",
        "?",
        "\u{2212}",
        "Risk of bias legend",
    ] {
        assert!(texts.contains(&t), "{t}");
    }
    assert!(texts.contains(&"(D3) Bias due to missing outcome data"));
    // Every judgement reads without colour: its symbol is drawn on its disc.
    for (cx, cy, _, _) in &discs {
        assert!(l.shapes.iter().any(|sh| matches!(sh,
            Shape::Text { x, y, text, .. } if (x - cx).abs() < 1e-9 && (y - cy).abs() < 12.0 && ["+", "?", "\u{2212}"].contains(&text.as_str()))));
    }
    let svg = l.to_svg();
    assert!(svg.contains("<title>D2: Some concerns</title>"));
    // No judgement for any trial: no columns.
    s.set_risk_of_bias(|_| None);
    assert!(!s.risk_of_bias);
    assert_eq!(layout(&s, &PlotOptions::default()).width, plain.width);
}
