namespace Rcnn.Onnx;

/// <summary>How an exported detector takes its image; both layouts share one graph body.</summary>
public enum OnnxInputLayout
{
    /// <summary><c>image</c>: float32 [3, H, W] in the model's INPUT.FORMAT, values 0..255 (what DetectionInput.Image holds).</summary>
    Image,

    /// <summary><c>pixels</c>: float32 [3*H*W] RGB in CHW order, 0..255, plus <c>height</c> and <c>width</c> (int64 [1]);
    /// one unknown dimension, as ML.NET's OnnxTransformer requires.</summary>
    FlatPixels,
}
