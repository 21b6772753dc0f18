using Rcnn.Training.Config;
using Rcnn.Training.Layers;
using Rcnn.Training.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Tests.UserPlugin;

/// <summary>A user's own ROI box head: flatten the pooled features, one fully connected layer of
/// MODEL.ROI_BOX_HEAD.FC_DIM outputs, ReLU. Registered by attribute only; nothing in Rcnn.Training names it.</summary>
[RegisterModule(RegistryKind.RoiBoxHead, RegisteredName)]
public sealed class UserFcBoxHead : nn.Module<Tensor, Tensor>
{
    public const string RegisteredName = "UserFcBoxHead";

    private readonly nn.Module<Tensor, Tensor> fc;

    public UserFcBoxHead(ShapeSpec inputShape, int fcDim) : base(nameof(UserFcBoxHead))
    {
        InputSize = inputShape.Channels * (inputShape.Height ?? 1) * (inputShape.Width ?? 1);
        OutputSize = fcDim;
        fc = nn.Linear(InputSize, fcDim);
        RegisterComponents();
    }

    public int InputSize { get; }
    public int OutputSize { get; }

    public nn.Module<Tensor, Tensor> Fc => fc;

    public static UserFcBoxHead FromConfig(RcnnConfig cfg, ShapeSpec inputShape) =>
        new(inputShape, cfg.Model.RoiBoxHead.FcDim);

    public override Tensor forward(Tensor x) => nn.functional.relu(fc.forward(x.flatten(1)));
}
