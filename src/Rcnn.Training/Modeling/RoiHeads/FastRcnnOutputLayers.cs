using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.RoiHeads;

/// <summary>
/// The box predictor's two linear layers (detectron2's <c>FastRCNNOutputLayers</c>): <c>cls_score</c> gives K + 1
/// logits with background LAST, <c>bbox_pred</c> gives 4 deltas per foreground class (or 4 when class-agnostic).
/// </summary>
public sealed class FastRcnnOutputLayers : nn.Module<Tensor, (Tensor Scores, Tensor ProposalDeltas)>
{
    private readonly Linear cls_score;
    private readonly Linear bbox_pred;

    public FastRcnnOutputLayers(int inputSize, int numClasses, bool clsAgnosticBboxReg = false, int boxDim = 4)
        : base(nameof(FastRcnnOutputLayers))
    {
        if (inputSize <= 0) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "must be positive");
        if (numClasses <= 0) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "NUM_CLASSES must be positive");
        NumClasses = numClasses;
        ClsAgnosticBboxReg = clsAgnosticBboxReg;
        cls_score = nn.Linear(inputSize, numClasses + 1);
        bbox_pred = nn.Linear(inputSize, (clsAgnosticBboxReg ? 1 : numClasses) * boxDim);
        using (no_grad())
        {
            nn.init.normal_(cls_score.weight!, std: 0.01);
            nn.init.normal_(bbox_pred.weight!, std: 0.001);
            cls_score.bias!.zero_();
            bbox_pred.bias!.zero_();
        }
        RegisterComponents();
    }

    public int NumClasses { get; }

    public bool ClsAgnosticBboxReg { get; }

    /// <summary>(R, K+1) class logits and (R, 4K) or (R, 4) deltas; x is (R, D) or (R, C, H, W), flattened first.</summary>
    public override (Tensor Scores, Tensor ProposalDeltas) forward(Tensor x)
    {
        if (x.dim() > 2) x = x.flatten(1);
        return (cls_score.call(x), bbox_pred.call(x));
    }
}
