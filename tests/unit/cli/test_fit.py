from releasekit.cli.fit import Column, kept, overhead, widths


def columns() -> list[Column]:
    return [
        Column("Id", no_wrap=True, cells=["ACSA-2026-0001"]),
        Column("Title", wants=25, cells=["Link previews follow redirects to internal addresses"]),
        Column("Score", rank=4, no_wrap=True, cells=["8.5"]),
        Column("Severity", rank=1, no_wrap=True, cells=["High"]),
        Column("Embargo", rank=2, wants=20, cells=["2026-12-05 16:06 UTC (08:06 PST)"]),
        Column("State", rank=3, no_wrap=True, cells=["embargoed"]),
    ]


def test_the_highest_rank_goes_first_and_rank_zero_stays() -> None:
    assert [c.header for c in kept(columns(), 200)] == [
        "Id",
        "Title",
        "Score",
        "Severity",
        "Embargo",
        "State",
    ]
    assert [c.header for c in kept(columns(), 80)] == ["Id", "Title", "Severity", "Embargo"]
    assert [c.header for c in kept(columns(), 20)] == ["Id", "Title"]


def test_no_column_is_narrower_than_its_longest_word() -> None:
    for width in (40, 60, 80, 100, 200):
        shown = kept(columns(), width)
        sizes = widths(shown, width)
        assert all(size >= c.least() for c, size in zip(shown, sizes, strict=True))
        if sum(c.least() for c in shown) + overhead(len(shown)) <= width:
            assert sum(sizes) + overhead(len(shown)) <= width
        assert all(size <= c.natural() for c, size in zip(shown, sizes, strict=True))
