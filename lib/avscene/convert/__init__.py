"""Converting the authors' released TensorFlow checkpoints to PyTorch (step 14; notebook 09).

``tf_checkpoint``: TF's V2 checkpoint format, read and written in pure Python; ``layout``: TF kernels to
PyTorch's; ``names``: our tensors' original variable names; ``convert``: checkpoint -> network (strict);
``registry``: converted files under ``<cache>/original``; ``python -m avscene.convert``: the command line.
"""
