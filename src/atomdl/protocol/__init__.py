"""The model-selection protocol as objects (paper section 4, done with nested CV); no Kedro.

``plan`` lists the units of work (one outer fold, or one paper-protocol run, of a
representation x model) without running them; ``atomdl.execution`` runs them; ``assemble``
makes their outcomes into :class:`~atomdl.protocol.results.CVResult`s; ``statistics`` tests them
pair-wise; ``reports`` tabulates them; ``compare`` does the four in turn. Import the modules by
path: nothing is imported here.
"""
