using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Layers;

/// <summary>
/// ROIAlign over one or more feature levels as a TorchSharp custom autograd function: hand-written gradients for
/// every level's input, none for the ROIs. vars: the level inputs (N, C, H_l, W_l) float32, then an
/// <see cref="RoiAlignLevels"/> describing the ROIs (already split by level, plans computed).
/// </summary>
internal sealed class RoiAlignFunction : autograd.SingleTensorFunction<RoiAlignFunction>
{
    private const string LevelsKey = "levels";

    public override string Name => "RoiAlignBackward";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var levels = (RoiAlignLevels)vars[^1];
        ctx.save_data(LevelsKey, levels);
        var inputs = vars.Take(vars.Length - 1).Cast<Tensor>().ToArray();
        return RoiAlignOp.ForwardLevels(levels, inputs);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var levels = (RoiAlignLevels)ctx.get_data(LevelsKey);
        var grads = new List<Tensor>();
        int count = levels.InputShapes.Length;
        for (int l = 0; l < count; l++)
            grads.Add(RoiAlignOp.BackwardLevel(gradOutput, levels.Plans[l], count == 1 ? null : levels.Rows[l], levels.InputShapes[l], levels.Geometries[l]));
        grads.Add(null!); // the Levels argument
        return grads;
    }
}
