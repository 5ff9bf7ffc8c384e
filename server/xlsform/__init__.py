"""Forms the kecamatan writes itself (issue #13): XLSForm in (pyxform), XForm out, imported-form rules.

``convert`` XLSForm → SIKK definition · ``writer`` definition → XLSForm rows · ``xform`` definition →
XForm (pyxform) · ``expr`` the safe XPath-subset evaluator · ``rules`` validation of imported forms ·
``publish`` storing a new version · ``cli`` the ``import-form`` command.
"""
