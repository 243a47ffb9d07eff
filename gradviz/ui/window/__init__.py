"""The main window's parts, each a small class or module the window wires together:

- ``docks``: the docks, made from the view registry (``ui.views.registry``), and their default layouts;
- ``actions``: every QAction, the menus and the toolbar (a view's own actions and shortcuts go in
  ``actions.WindowActions``; the View menu lists every dock by itself);
- ``files``: New, Open, Save, Save As, Open Recent and the last session;
- ``status``: the status line's step and verdict, and the window title;
- ``dialogs``: the shortcuts and About dialogs, each fitted to the screen;
- ``theming``: the application font and palette a theme gives every widget.

Presenter mode lives in ``ui.presenter``. A view added to the registry gets its dock (or its place in the
middle), its View menu entry, its theme and its snapshots without a line here.
"""
