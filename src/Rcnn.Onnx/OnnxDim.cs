namespace Rcnn.Onnx;

/// <summary>One dimension of a graph input/output: a fixed size, a named symbolic size, or unknown.</summary>
public readonly record struct OnnxDim(long? Value, string? Param)
{
    public static implicit operator OnnxDim(long value) => new(value, null);

    public static implicit operator OnnxDim(string param) => new(null, param);

    public static OnnxDim Unknown => new(null, null);
}
