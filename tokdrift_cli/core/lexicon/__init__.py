"""Word lists shared by the prompt rewrites and the equivalence checker.

They sit below both, so the rules that change meaning on purpose and the
checker that must notice a changed meaning read one and the same list.
"""
