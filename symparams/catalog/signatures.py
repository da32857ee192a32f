"""The frameworks' positional argument orders, by class name (issue 12).

A call's positional arguments follow the signature of the name it is written with: the
catalog's own names and Keras's class names take Keras's order (`dense(10, "relu")`,
`Conv2D(32, 3, 1, "same")`), PyTorch's class names take PyTorch's (`Linear(768, 3072)` is
in_features, out_features; `Conv2d(3, 64, 7, 2, 3)`). A name both frameworks use (`LSTM`,
`GRU`, `Embedding`, `Dropout`, `Flatten`, `ReLU`, `PReLU`, ...) takes the order of the
convention being evaluated. Each table is the framework's own `__init__` signature, read from
Keras 3.15 and PyTorch 2.13 (`tests/oracle/test_live_signatures.py` checks it against the
installed frameworks; PyTorch's recurrent classes take `*args` and are written from their
documentation). Keras's `RNN` (a wrapper around a cell) is left out: `RNN` here is PyTorch's. Names a layer does not take are refused where they are given."""
from __future__ import annotations

KERAS = {
    "Activation": "activation",
    "Add": "",
    "AlphaDropout": "rate noise_shape seed",
    "Average": "",
    "AveragePooling1D": "pool_size strides padding data_format name",
    "AveragePooling2D": "pool_size strides padding data_format name",
    "AveragePooling3D": "pool_size strides padding data_format name",
    "AvgPool1D": "pool_size strides padding data_format name",
    "AvgPool2D": "pool_size strides padding data_format name",
    "AvgPool3D": "pool_size strides padding data_format name",
    "BatchNormalization": ("axis momentum epsilon center scale beta_initializer gamma_initializer "
        "moving_mean_initializer moving_variance_initializer beta_regularizer gamma_regularizer "
        "beta_constraint gamma_constraint renorm renorm_clipping renorm_momentum synchronized"),
    "Bidirectional": "layer merge_mode weights backward_layer",
    "Concatenate": "axis",
    "Conv1D": ("filters kernel_size strides padding data_format dilation_rate groups activation use_bias "
        "kernel_initializer bias_initializer kernel_regularizer bias_regularizer activity_regularizer "
        "kernel_constraint bias_constraint"),
    "Conv1DTranspose": ("filters kernel_size strides padding output_padding data_format dilation_rate activation "
        "use_bias kernel_initializer bias_initializer kernel_regularizer bias_regularizer "
        "activity_regularizer kernel_constraint bias_constraint"),
    "Conv2D": ("filters kernel_size strides padding data_format dilation_rate groups activation use_bias "
        "kernel_initializer bias_initializer kernel_regularizer bias_regularizer activity_regularizer "
        "kernel_constraint bias_constraint"),
    "Conv2DTranspose": ("filters kernel_size strides padding output_padding data_format dilation_rate activation "
        "use_bias kernel_initializer bias_initializer kernel_regularizer bias_regularizer "
        "activity_regularizer kernel_constraint bias_constraint"),
    "Conv3D": ("filters kernel_size strides padding data_format dilation_rate groups activation use_bias "
        "kernel_initializer bias_initializer kernel_regularizer bias_regularizer activity_regularizer "
        "kernel_constraint bias_constraint"),
    "Conv3DTranspose": ("filters kernel_size strides padding data_format output_padding dilation_rate activation "
        "use_bias kernel_initializer bias_initializer kernel_regularizer bias_regularizer "
        "activity_regularizer kernel_constraint bias_constraint"),
    "ConvLSTM1D": ("filters kernel_size strides padding data_format dilation_rate activation "
        "recurrent_activation use_bias kernel_initializer recurrent_initializer bias_initializer "
        "unit_forget_bias kernel_regularizer recurrent_regularizer bias_regularizer "
        "activity_regularizer kernel_constraint recurrent_constraint bias_constraint dropout "
        "recurrent_dropout seed return_sequences return_state go_backwards stateful"),
    "ConvLSTM2D": ("filters kernel_size strides padding data_format dilation_rate activation "
        "recurrent_activation use_bias kernel_initializer recurrent_initializer bias_initializer "
        "unit_forget_bias kernel_regularizer recurrent_regularizer bias_regularizer "
        "activity_regularizer kernel_constraint recurrent_constraint bias_constraint dropout "
        "recurrent_dropout seed return_sequences return_state go_backwards stateful"),
    "ConvLSTM3D": ("filters kernel_size strides padding data_format dilation_rate activation "
        "recurrent_activation use_bias kernel_initializer recurrent_initializer bias_initializer "
        "unit_forget_bias kernel_regularizer recurrent_regularizer bias_regularizer "
        "activity_regularizer kernel_constraint recurrent_constraint bias_constraint dropout "
        "recurrent_dropout seed return_sequences return_state go_backwards stateful"),
    "Convolution1DTranspose": ("filters kernel_size strides padding output_padding data_format dilation_rate activation "
        "use_bias kernel_initializer bias_initializer kernel_regularizer bias_regularizer "
        "activity_regularizer kernel_constraint bias_constraint"),
    "Convolution2DTranspose": ("filters kernel_size strides padding output_padding data_format dilation_rate activation "
        "use_bias kernel_initializer bias_initializer kernel_regularizer bias_regularizer "
        "activity_regularizer kernel_constraint bias_constraint"),
    "Convolution3DTranspose": ("filters kernel_size strides padding data_format output_padding dilation_rate activation "
        "use_bias kernel_initializer bias_initializer kernel_regularizer bias_regularizer "
        "activity_regularizer kernel_constraint bias_constraint"),
    "Cropping1D": "cropping",
    "Cropping2D": "cropping data_format",
    "Cropping3D": "cropping data_format",
    "Dense": ("units activation use_bias kernel_initializer bias_initializer kernel_regularizer "
        "bias_regularizer activity_regularizer kernel_constraint bias_constraint lora_rank lora_alpha "
        "quantization_config"),
    "DepthwiseConv1D": ("kernel_size strides padding depth_multiplier data_format dilation_rate activation use_bias "
        "depthwise_initializer bias_initializer depthwise_regularizer bias_regularizer "
        "activity_regularizer depthwise_constraint bias_constraint"),
    "DepthwiseConv2D": ("kernel_size strides padding depth_multiplier data_format dilation_rate activation use_bias "
        "depthwise_initializer bias_initializer depthwise_regularizer bias_regularizer "
        "activity_regularizer depthwise_constraint bias_constraint"),
    "Dropout": "rate noise_shape seed",
    "ELU": "alpha",
    "Embedding": ("input_dim output_dim embeddings_initializer embeddings_regularizer embeddings_constraint "
        "mask_zero weights lora_rank lora_alpha quantization_config"),
    "Flatten": "data_format",
    "GRU": ("units activation recurrent_activation use_bias kernel_initializer recurrent_initializer "
        "bias_initializer kernel_regularizer recurrent_regularizer bias_regularizer "
        "activity_regularizer kernel_constraint recurrent_constraint bias_constraint dropout "
        "recurrent_dropout seed return_sequences return_state go_backwards stateful unroll "
        "reset_after use_cudnn"),
    "GaussianDropout": "rate seed",
    "GaussianNoise": "stddev seed",
    "GlobalAveragePooling1D": "data_format keepdims",
    "GlobalAveragePooling2D": "data_format keepdims",
    "GlobalAveragePooling3D": "data_format keepdims",
    "GlobalAvgPool1D": "data_format keepdims",
    "GlobalAvgPool2D": "data_format keepdims",
    "GlobalAvgPool3D": "data_format keepdims",
    "GlobalMaxPool1D": "data_format keepdims",
    "GlobalMaxPool2D": "data_format keepdims",
    "GlobalMaxPool3D": "data_format keepdims",
    "GlobalMaxPooling1D": "data_format keepdims",
    "GlobalMaxPooling2D": "data_format keepdims",
    "GlobalMaxPooling3D": "data_format keepdims",
    "GroupNormalization": ("groups axis epsilon center scale beta_initializer gamma_initializer beta_regularizer "
        "gamma_regularizer beta_constraint gamma_constraint"),
    "GroupQueryAttention": ("head_dim num_query_heads num_key_value_heads dropout use_bias sliding_window flash_attention "
        "kernel_initializer bias_initializer kernel_regularizer bias_regularizer activity_regularizer "
        "kernel_constraint bias_constraint use_gate seed"),
    "Identity": "",
    "LSTM": ("units activation recurrent_activation use_bias kernel_initializer recurrent_initializer "
        "bias_initializer unit_forget_bias kernel_regularizer recurrent_regularizer bias_regularizer "
        "activity_regularizer kernel_constraint recurrent_constraint bias_constraint dropout "
        "recurrent_dropout seed return_sequences return_state go_backwards stateful unroll use_cudnn"),
    "LayerNormalization": ("axis epsilon center scale beta_initializer gamma_initializer beta_regularizer "
        "gamma_regularizer beta_constraint gamma_constraint"),
    "LeakyReLU": "negative_slope",
    "MaxPool1D": "pool_size strides padding data_format name",
    "MaxPool2D": "pool_size strides padding data_format name",
    "MaxPool3D": "pool_size strides padding data_format name",
    "MaxPooling1D": "pool_size strides padding data_format name",
    "MaxPooling2D": "pool_size strides padding data_format name",
    "MaxPooling3D": "pool_size strides padding data_format name",
    "Maximum": "",
    "Minimum": "",
    "MultiHeadAttention": ("num_heads key_dim value_dim dropout use_bias output_shape attention_axes sliding_window "
        "flash_attention kernel_initializer bias_initializer kernel_regularizer bias_regularizer "
        "activity_regularizer kernel_constraint bias_constraint use_gate seed"),
    "Multiply": "",
    "PReLU": "alpha_initializer alpha_regularizer alpha_constraint shared_axes",
    "Permute": "dims",
    "RMSNormalization": "axis epsilon",
    "ReLU": "max_value negative_slope threshold",
    "RepeatVector": "n",
    "Reshape": "target_shape",
    "Resizing": ("height width interpolation crop_to_aspect_ratio pad_to_aspect_ratio fill_mode fill_value "
        "antialias data_format"),
    "SeparableConv1D": ("filters kernel_size strides padding data_format dilation_rate depth_multiplier activation "
        "use_bias depthwise_initializer pointwise_initializer bias_initializer depthwise_regularizer "
        "pointwise_regularizer bias_regularizer activity_regularizer depthwise_constraint "
        "pointwise_constraint bias_constraint"),
    "SeparableConv2D": ("filters kernel_size strides padding data_format dilation_rate depth_multiplier activation "
        "use_bias depthwise_initializer pointwise_initializer bias_initializer depthwise_regularizer "
        "pointwise_regularizer bias_regularizer activity_regularizer depthwise_constraint "
        "pointwise_constraint bias_constraint"),
    "SimpleRNN": ("units activation use_bias kernel_initializer recurrent_initializer bias_initializer "
        "kernel_regularizer recurrent_regularizer bias_regularizer activity_regularizer "
        "kernel_constraint recurrent_constraint bias_constraint dropout recurrent_dropout "
        "return_sequences return_state go_backwards stateful unroll seed"),
    "Softmax": "axis",
    "SpatialDropout1D": "rate seed name dtype",
    "SpatialDropout2D": "rate data_format seed name dtype",
    "SpatialDropout3D": "rate data_format seed name dtype",
    "Subtract": "",
    "TimeDistributed": "layer",
    "UpSampling1D": "size",
    "UpSampling2D": "size data_format interpolation",
    "UpSampling3D": "size data_format",
    "ZeroPadding1D": "padding data_format",
    "ZeroPadding2D": "padding data_format",
    "ZeroPadding3D": "padding data_format",
}

TORCH = {
    "AlphaDropout": "p inplace",
    "AvgPool1d": "kernel_size stride padding ceil_mode count_include_pad",
    "AvgPool2d": "kernel_size stride padding ceil_mode count_include_pad divisor_override",
    "AvgPool3d": "kernel_size stride padding ceil_mode count_include_pad divisor_override",
    "BatchNorm1d": "num_features eps momentum affine track_running_stats device dtype",
    "BatchNorm2d": "num_features eps momentum affine track_running_stats device dtype",
    "BatchNorm3d": "num_features eps momentum affine track_running_stats device dtype",
    "Conv1d": ("in_channels out_channels kernel_size stride padding dilation groups bias padding_mode device "
        "dtype"),
    "Conv2d": ("in_channels out_channels kernel_size stride padding dilation groups bias padding_mode device "
        "dtype"),
    "Conv3d": ("in_channels out_channels kernel_size stride padding dilation groups bias padding_mode device "
        "dtype"),
    "ConvTranspose1d": ("in_channels out_channels kernel_size stride padding output_padding groups bias dilation "
        "padding_mode device dtype"),
    "ConvTranspose2d": ("in_channels out_channels kernel_size stride padding output_padding groups bias dilation "
        "padding_mode device dtype"),
    "ConvTranspose3d": ("in_channels out_channels kernel_size stride padding output_padding groups bias dilation "
        "padding_mode device dtype"),
    "Dropout": "p inplace",
    "Dropout1d": "p inplace",
    "Dropout2d": "p inplace",
    "Dropout3d": "p inplace",
    "ELU": "alpha inplace",
    "Embedding": ("num_embeddings embedding_dim padding_idx max_norm norm_type scale_grad_by_freq sparse "
        "_weight _freeze device dtype"),
    "Flatten": "start_dim end_dim",
    "GELU": "approximate",
    "GRU": "input_size hidden_size num_layers bias batch_first dropout bidirectional",
    "GroupNorm": "num_groups num_channels eps affine device dtype",
    "Hardsigmoid": "inplace",
    "Hardswish": "inplace",
    "Identity": "",
    "LSTM": "input_size hidden_size num_layers bias batch_first dropout bidirectional proj_size",
    "LayerNorm": "normalized_shape eps elementwise_affine bias device dtype",
    "LeakyReLU": "negative_slope inplace",
    "Linear": "in_features out_features bias device dtype",
    "LogSoftmax": "dim",
    "MaxPool1d": "kernel_size stride padding dilation return_indices ceil_mode",
    "MaxPool2d": "kernel_size stride padding dilation return_indices ceil_mode",
    "MaxPool3d": "kernel_size stride padding dilation return_indices ceil_mode",
    "Mish": "inplace",
    "MultiheadAttention": ("embed_dim num_heads dropout bias add_bias_kv add_zero_attn kdim vdim batch_first device "
        "dtype"),
    "PReLU": "num_parameters init device dtype",
    "RMSNorm": "normalized_shape eps elementwise_affine device dtype",
    "RNN": "input_size hidden_size num_layers nonlinearity bias batch_first dropout bidirectional",
    "ReLU": "inplace",
    "ReLU6": "inplace",
    "SELU": "inplace",
    "SiLU": "inplace",
    "Sigmoid": "",
    "Softmax": "dim",
    "Softplus": "beta threshold",
    "Tanh": "",
    "Unflatten": "dim unflattened_size",
    "Upsample": "size scale_factor mode align_corners recompute_scale_factor",
    "ZeroPad1d": "padding",
    "ZeroPad2d": "padding",
    "ZeroPad3d": "padding",
}

KERAS = {name: tuple(order.split()) for name, order in KERAS.items()}
TORCH = {name: tuple(order.split()) for name, order in TORCH.items()}


def positional_order(written: str, canonical_aliases: tuple, convention: str) -> tuple | None:
    """The framework argument names a call's positional arguments stand for, in order; None
    when the name is the catalog's own and its layer has no Keras class (its declared order)."""
    in_keras, in_torch = written in KERAS, written in TORCH
    if in_keras and in_torch:
        return TORCH[written] if convention == "torch" else KERAS[written]
    if in_keras or in_torch:
        return KERAS[written] if in_keras else TORCH[written]
    keras_class = next((a for a in canonical_aliases if a in KERAS), None)
    return KERAS[keras_class] if keras_class else None
