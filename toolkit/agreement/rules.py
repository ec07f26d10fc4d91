"""The matching and method rules the agreement report states."""

from __future__ import annotations

RULES = {
    "exact": "same document, same label, same start and end (code points).",
    "overlap": (
        "same document and label and at least one shared code point; one-to-one, greedily by "
        "largest overlap, then smallest |start difference| + |end difference|, then position."
    ),
    "pairs": "pairwise scores are averaged over annotator pairs on documents both completed.",
    "u_alpha": (
        "Krippendorff's unitizing alpha (1995; 2004, ch. 11; as DKPro Statistics computes it) per "
        "label, documents laid end to end as one continuum (gaps never cross a document border), "
        "on documents completed by every annotator; overlapping spans of one label by one "
        "annotator are merged into their union first. Overall: 1 - sum D_o / sum D_e over labels."
    ),
    "attributes": (
        "compared on spans matched by the overlap rule. Cohen's kappa per pair, mean over pairs; "
        "Fleiss' kappa on span clusters every annotator marked; Krippendorff's alpha on every "
        "cluster with two or more values (missing values allowed). A cluster is a connected "
        "component of pairwise overlap matches; an annotator with two spans in one cluster counts "
        "as missing there. An empty optional attribute is the category '(none)'; an empty ordinal "
        "attribute is a missing value."
    ),
    "holder": (
        "matched STANCE spans agree on their holder when both have none, when the two holder "
        "ACTOR spans are matched to each other by the overlap rule, or when the holders' "
        "canonical_name values are equal (case and spacing ignored). Proportion agreeing, mean "
        "over pairs."
    ),
    "arguments": (
        "EVENT spans matched by the overlap rule; for each role (source, target, location) the "
        "argument relations of a matched pair agree when their end spans are matched to each "
        "other (exact: by the exact rule; overlap: by the overlap rule). F1 = 2 x agreeing / "
        "(relations of one side + relations of the other), summed over matched events per pair, "
        "mean over pairs. An event record agrees when category and the sets of source and of "
        "target actor countries are equal. A multi-valued attribute (EVENT context) compares as "
        "a set: equal sets are one category. Without any argument relation nothing is reported."
    ),
    "bootstrap": (
        "95% percentile intervals from resampling documents with replacement (seeded numpy "
        "generator); resamples where a figure is undefined are left out of its interval."
    ),
}
