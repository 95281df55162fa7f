"""Everything a page shows: the recorder, tables, figures, number formats, HTML export."""
