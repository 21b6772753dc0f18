using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Layers;

/// <summary>The Caffe2-style initialisations detectron2 uses (fvcore's <c>c2_msra_fill</c> / <c>c2_xavier_fill</c>).</summary>
public static class WeightInit
{
    /// <summary>Kaiming normal, fan-out, ReLU gain; bias 0. Used for ResNet convolutions.</summary>
    public static void C2MsraFill(Tensor weight, Tensor? bias)
    {
        using var _ = no_grad();
        nn.init.kaiming_normal_(weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
        bias?.zero_();
    }

    /// <summary>Kaiming uniform with a = 1 (Caffe2's "XavierFill"); bias 0. Used for FPN and box-head layers.</summary>
    public static void C2XavierFill(Tensor weight, Tensor? bias)
    {
        using var _ = no_grad();
        nn.init.kaiming_uniform_(weight, a: 1);
        bias?.zero_();
    }
}
