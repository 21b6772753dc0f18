using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Layers;

/// <summary>ROIAlign as a TorchSharp custom autograd function: hand-written input gradient, none for the ROIs.</summary>
internal sealed class RoiAlignFunction : autograd.SingleTensorFunction<RoiAlignFunction>
{
    private const string PlansKey = "plans", GeometryKey = "geometry", InputShapeKey = "inputShape";

    public override string Name => "RoiAlignBackward";

    /// <summary>vars: input (N,C,H,W) float32, rois (K,5) float32 contiguous, <see cref="RoiAlignGeometry"/>.</summary>
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var rois = (Tensor)vars[1];
        var geometry = (RoiAlignGeometry)vars[2];
        var (output, plans) = RoiAlignOp.Forward(input, rois, geometry);
        ctx.save_data(PlansKey, plans);
        ctx.save_data(GeometryKey, geometry);
        ctx.save_data(InputShapeKey, input.shape);
        return output;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var plans = (RoiAlignPlan[])ctx.get_data(PlansKey);
        var geometry = (RoiAlignGeometry)ctx.get_data(GeometryKey);
        var shape = (long[])ctx.get_data(InputShapeKey);
        var gradInput = RoiAlignOp.Backward(gradOutput, plans, shape, geometry);
        return new List<Tensor> { gradInput, null!, null! };
    }
}
