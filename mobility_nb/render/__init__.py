"""Everything a page shows: the recorder, tables, figures, number formats, cells of exported
files, HTML export."""
