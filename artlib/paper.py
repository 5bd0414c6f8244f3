"""The paper's own numbers, to print beside ours (Auto-Retoucher, Tables 1 and 2).

Shown in chapters 1 to 5, beside the book's own numbers.
"""
from __future__ import annotations

import pandas as pd

__all__ = ["SHAPES", "TABLE1_COUNTS", "TABLE2", "table1", "table1_frame"]

#: Table 1 of the paper: number of cases per sample type (the rows add up to 186,975,
#: not the "300K images" of the text; see the errata chapter).
TABLE1_COUNTS: dict[str, int] = {"D+": 37395, "D_s-": 74790, "D_c-": 74790}

#: Table 2 of the paper: content accuracy and spatial RMSE on its test split.
TABLE2: dict[str, dict[str, float]] = {
    "base model": {"accuracy": 0.875, "rmse": 0.354},
    "-Attention": {"accuracy": 0.866, "rmse": 0.359},
}


#: Tensor shapes of the paper's verifier (Section 4.2: ResNet-50 at 256 px, 2x2 pooling), for
#: the shape table of chapter 2; the authors' outer-product attention has 900 dimensions.
SHAPES: list[tuple[str, str]] = [
    ("encoder feature map H^F", "(B, 2048, 8, 8)"), ("h_F, h_B, h_S, h^", "(B, 8192)"),
    ("bi-attention h~_C, h~_S (paper: elementwise)", "(B, 30)"), ("bi-attention (authors' code: outer)", "(B, 900)"),
    ("U_C, U_S", "(B, 24606)"), ("y^c, y^s", "(B,)"),
]


def table1_frame(cases: list[int], content_negative_spatial: str = "0",
                 per_split: dict[str, list[int]] | None = None) -> pd.DataFrame:
    """Table 1's layout: one row per kind (``D+``, ``D_s-``, ``D_c-``) with its labels, optional
    counts per split, and the number of cases."""
    return pd.DataFrame(
        {
            "content label": [True, True, False],
            "spatial score": ["1", "eq. (1) in (0, 1)", content_negative_spatial],
            **(per_split or {}),
            "number of cases": cases,
        },
        index=list(TABLE1_COUNTS),
    )


def table1() -> pd.DataFrame:
    """Table 1 as printed, with the spatial-score column corrected (see the errata chapter)."""
    return table1_frame(list(TABLE1_COUNTS.values()))
