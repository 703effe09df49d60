"""The figures the commands draw, as matplotlib ``Figure`` objects.

Built on ``matplotlib.figure.Figure`` rather than pyplot, so no GUI backend is
needed and no global figure state is touched; callers save with
``gelu.cli._paths.save_figure``.  Importing this module imports matplotlib:
commands import it only after checking that matplotlib is installed.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullFormatter

from gelu.cli.catalog import Activation

# GELU stands out in near-black; the alternatives share a muted qualitative palette.
_GELU_COLOR = "#1b1b1b"
_PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#8c564b", "#56b4e9", "#9467bd"]
_STYLE = {
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "legend.frameon": False,
    "legend.fontsize": 9,
}


def _style(ax) -> None:
    ax.axhline(0, color="0.55", lw=0.8, zorder=0)
    ax.axvline(0, color="0.55", lw=0.8, zorder=0)


# One colour per activation, the same in every figure.
_COLORS = {"gelu": _GELU_COLOR, "gelu_tanh": "#6a6a6a", "relu": "#0072b2", "silu": "#e69f00",
           "softplus": "#009e73", "mish": "#cc79a7", "quick_gelu": "#8c564b", "relu2": "#9467bd"}


def _colors(acts: Sequence[Activation]) -> dict[str, str]:
    spare = iter(_PALETTE * 2)
    return {a.name: _COLORS.get(a.name) or next(spare) for a in acts}


# The GELU approximations are dashed, so they read as "GELU-like" at a glance.
_DASHES = {"gelu_tanh": "--", "quick_gelu": "-."}


def _draw(ax, acts, x, order, colors, label=True) -> None:
    for a in acts:
        gelu_like = a.name in ("gelu", "gelu_tanh")
        ax.plot(x, a.derivative(order)(x), color=colors[a.name],
                label=a.label if label else None,
                lw=2.8 if a.name == "gelu" else 1.7, ls=_DASHES.get(a.name, "-"),
                zorder=3 if gelu_like else 2)


def demo_figure(acts: Sequence[Activation], x_star: float, gelu_at_star: float,
                phi_cdf, phi_pdf) -> Figure:
    """Three panels: the activations, their derivatives, and Phi as GELU's weight."""
    import matplotlib

    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(15, 5.4), layout="constrained")
        ax1, ax2, ax3 = fig.subplots(1, 3)
        colors = _colors(acts)
        x = np.linspace(-4.0, 3.0, 1401)

        _draw(ax1, acts, x, 0, colors)
        ax1.set_ylim(-0.6, 3.0)
        ax1.plot([x_star], [gelu_at_star], "o", color="#d62728", ms=6, zorder=5)
        _dip_inset(ax1, acts, colors, x_star, gelu_at_star)
        ax1.set_title("GELU and its neighbours")
        ax1.set_xlabel("x")
        ax1.set_ylabel("f(x)")

        _draw(ax2, acts, x, 1, colors, label=False)
        ax2.set_ylim(-0.35, 1.35)
        ax2.plot([x_star], [0.0], "o", color="#d62728", ms=6, zorder=5)
        ax2.annotate("GELU'(x*) = 0:\nthe minimum", xy=(x_star, 0.0), xytext=(-3.9, 0.45),
                     fontsize=9, arrowprops=dict(arrowstyle="->", color="0.35", lw=0.9))
        ax2.set_title("Derivatives")
        ax2.set_xlabel("x")
        ax2.set_ylabel("f'(x)")

        _weight_panel(ax3, phi_cdf, phi_pdf)
        for ax in (ax1, ax2, ax3):
            _style(ax)
        handles, labels = ax1.get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=len(labels),
                   fontsize=10)
        fig.suptitle("GELU(x) = x \u00b7 \u03a6(x): each input weighted by how likely "
                     "a standard normal variable is to lie below it", fontsize=13)
    return fig


def _dip_inset(ax, acts, colors, x_star, gelu_at_star) -> None:
    """Zoom on the negative dip, where the curves differ most and GELU has its minimum."""
    inset = ax.inset_axes([0.17, 0.42, 0.40, 0.47])
    x = np.linspace(-3.5, 0.3, 600)
    _draw(inset, acts, x, 0, colors, label=False)
    inset.plot([x_star], [gelu_at_star], "o", color="#d62728", ms=5, zorder=5)
    inset.set_title(f"minimum at x* = {x_star:.4f}: GELU(x*) = {gelu_at_star:.4f}",
                    fontsize=8.5, fontweight="normal")
    inset.set_xlim(-3.5, 0.3)
    inset.set_ylim(-0.34, 0.06)
    inset.tick_params(labelsize=7)
    inset.axhline(0, color="0.55", lw=0.7, zorder=0)
    inset.set_facecolor("#fcfcfc")
    for side in ("top", "right"):
        inset.spines[side].set_visible(True)
        inset.spines[side].set_color("0.6")
    ax.indicate_inset_zoom(inset, edgecolor="0.5")


def _weight_panel(ax, phi_cdf, phi_pdf) -> None:
    """Phi(x) as a curve, and for one x0 the shaded area under phi that it measures."""
    x = np.linspace(-4.0, 4.0, 801)
    x0 = 0.8
    ax.fill_between(x, 0, phi_pdf(x), where=x <= x0, color="#56b4e9", alpha=0.35, lw=0,
                    label=f"shaded area = \u03a6({x0}) = {phi_cdf(x0):.3f}")
    ax.plot(x, phi_pdf(x), color="#0072b2", lw=1.2, label="\u03c6(x): standard normal density")
    ax.plot(x, phi_cdf(x), color=_GELU_COLOR, lw=2.8, label="\u03a6(x) = P(Z \u2264 x): the weight")
    ax.plot([x0], [phi_cdf(x0)], "o", color="#d62728", ms=6, zorder=5)
    ax.annotate(f"GELU({x0}) = {x0} \u00d7 \u03a6({x0})\n= {x0} \u00d7 {phi_cdf(x0):.3f} = "
                f"{x0 * phi_cdf(x0):.3f}",
                xy=(x0, phi_cdf(x0)), xytext=(1.1, 0.45), fontsize=9,
                arrowprops=dict(arrowstyle="->", color="0.35", lw=0.9))
    ax.set_ylim(-0.05, 1.12)
    ax.set_title("The weight \u03a6(x)")
    ax.set_xlabel("x")
    ax.legend(loc="upper left")


def functions_figure(acts: Sequence[Activation], lo: float, hi: float, orders: Sequence[int],
                     points: int = 1001, title: str | None = None) -> Figure:
    """One panel per derivative order in ``orders`` (0 = the functions), over [lo, hi]."""
    import matplotlib

    names = {0: ("Functions", "f(x)"), 1: ("First derivatives", "f'(x)"),
             2: ("Second derivatives", "f''(x)")}
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(5.6 * len(orders), 4.6), layout="constrained")
        axes = np.atleast_1d(fig.subplots(1, len(orders)))
        colors = _colors(acts)
        x = np.linspace(lo, hi, points)
        for ax, order in zip(axes, orders):
            _draw(ax, acts, x, order, colors)
            _style(ax)
            ax.set_xlim(lo, hi)
            ax.set_title(names[order][0])
            ax.set_xlabel("x")
            ax.set_ylabel(names[order][1])
        if len(orders) == 1:
            axes[0].legend(loc="best")
        else:  # one legend for all panels, below them, so it never hides a curve
            handles, labels = axes[0].get_legend_handles_labels()
            fig.legend(handles, labels, loc="outside lower center", ncols=len(labels),
                       fontsize=10)
        if title:
            fig.suptitle(title, fontsize=12)
    return fig


# Errors of 0 ulp and wrong special values both need a place on a log axis.
_FLOOR = 1e-2
_CEIL = 1e20


def ulp_figure(panels, title: str | None = None) -> Figure:
    """Max ulp error against x, one panel per (function, dtype), one line per contender.

    ``panels`` is a sequence of (panel_title, x_range, lines) where lines is a
    sequence of (label, x, errors).  Each line is the maximum error in each of
    ~240 bins of x, so a single bad input is never averaged away.  Exact
    results sit on the floor; NaN or inf where a number was due sits on the
    top line labelled 'wrong'.
    """
    import matplotlib

    panels = list(panels)
    ncols = min(3, len(panels))
    nrows = -(-len(panels) // ncols)
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(5.4 * ncols, 3.7 * nrows + 0.6), layout="constrained")
        axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
        labels = []
        for ax, (ptitle, (lo, hi), lines) in zip(axes, panels):
            edges = np.linspace(lo, hi, 241)
            centers = 0.5 * (edges[1:] + edges[:-1])
            for i, (label, x, err) in enumerate(lines):
                y = _binned_max(x, err, edges)
                color = _GELU_COLOR if i == 0 else _PALETTE[(i - 1) % len(_PALETTE)]
                ax.step(centers, y, where="mid", color=color, label=label,
                        lw=2.2 if i == 0 else 1.4, zorder=3 if i == 0 else 2)
                if label not in labels:
                    labels.append(label)
            ax.axhline(1.0, color="#d62728", lw=0.9, ls=":", zorder=1)
            ax.set_yscale("log")
            ax.set_ylim(_FLOOR * 0.7, _CEIL * 3)
            ax.yaxis.set_major_locator(LogLocator(base=10, numticks=8))
            ax.yaxis.set_minor_formatter(NullFormatter())
            ax.set_xlim(lo, hi)
            ax.set_title(ptitle)
            ax.set_xlabel("x")
            ax.set_ylabel("max error (ulp)")
            ax.text(0.99, _CEIL, "wrong (NaN/inf)", transform=ax.get_yaxis_transform(),
                    ha="right", va="bottom", fontsize=8, color="0.4")
            ax.text(0.99, 1.0, "1 ulp", transform=ax.get_yaxis_transform(), ha="right",
                    va="bottom", fontsize=8, color="#d62728")
        for ax in axes[len(panels):]:
            ax.set_visible(False)
        handles, names = axes[0].get_legend_handles_labels()
        fig.legend(handles, names, loc="outside lower center", ncols=max(1, len(names)))
        if title:
            fig.suptitle(title, fontsize=12)
    return fig


def _binned_max(x, err, edges):
    """Largest error per bin (NaN for empty bins), clipped into [_FLOOR, _CEIL]."""
    x = np.asarray(x, dtype=np.float64)
    err = np.asarray(err, dtype=np.float64)
    keep = np.isfinite(x) & (x >= edges[0]) & (x <= edges[-1])
    idx = np.clip(np.searchsorted(edges, x[keep], side="right") - 1, 0, len(edges) - 2)
    out = np.full(len(edges) - 1, np.nan)
    vals = np.clip(np.nan_to_num(err[keep], nan=_CEIL, posinf=_CEIL), _FLOOR, _CEIL)
    # Running maximum per bin; fmax ignores the NaN start value.
    np.fmax.at(out, idx, vals)
    return out
