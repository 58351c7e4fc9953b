"""Analysis: ABC (Pareto), XYZ (stability), the ABC-XYZ matrix and BCG quadrants.

The modules here are a pure engine over plain data: keyed values and keyed series in,
typed results and their JSON documents out. They import only the standard library, so
the same rules run over a site's sales aggregated in SQL and over an analyst's CSV file.
Every convention (ordering, boundary rules, exact arithmetic, periods, zero and negative
values) is written down with worked examples in docs/analysis.md.

``abc``      ABC classes of keyed values
``xyz``      XYZ classes of keyed series by their coefficient of variation
``matrix``   the ABC-XYZ matrix of an ABC and an XYZ result
``bcg``      BCG quadrants from two periods' values
``series``   period labels: their order, aligning sparse data, aggregating N periods
``files``    ``key,value`` / ``key,period,value`` CSV files and their analyses
``options``  the analyses' parameters, validated
``decimals`` exact sums, once-rounded ratios and square roots, number texts
``errors``   ``AnalysisError``
"""
