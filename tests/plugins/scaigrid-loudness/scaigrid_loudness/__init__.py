"""The second tutorial module: how loud is a recording? (docs/tutorial-module-with-state.md)"""
