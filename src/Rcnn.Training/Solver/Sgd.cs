using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rcnn.Training.Solver;

/// <summary>
/// torch.optim.SGD (momentum, dampening, weight decay, Nesterov), with TorchSharp's own state and options so
/// checkpoints load either way. It exists because TorchSharp's <c>SGD.step</c> passes its hyper-parameters as temporary
/// Scalars, which a GC can free while libtorch reads them (DEVELOPERS.md, "Scalars"); here each lives in a using.
/// </summary>
public sealed class Sgd : SGD
{
    public Sgd(IEnumerable<ParamGroup> groups, double lr, double momentum, double weightDecay, bool nesterov)
        : base(groups, lr, momentum, dampening: 0, weight_decay: weightDecay, nesterov: nesterov)
    {
    }

    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(StepGroup, closure);

    private void StepGroup(ParamGroup group)
    {
        var o = group.Options;
        double momentum = o.momentum!.Value, weightDecay = o.weight_decay!.Value, lr = o.LearningRate!.Value;
        using var momentumS = momentum.ToScalar();
        using var weightDecayS = weightDecay.ToScalar();
        using var keepS = (1 - o.dampening!.Value).ToScalar();
        using var stepS = (o.maximize!.Value ? lr : -lr).ToScalar();
        foreach (var p in group.Parameters)
        {
            var grad = p.grad;
            if (grad is null) continue;
            if (weightDecay != 0) grad = grad.add(p, weightDecayS);
            if (momentum != 0)
            {
                var state = (State)_state[p.Handle];
                if (state.momentum_buffer is null)
                    state.momentum_buffer = grad.clone().detach().DetachFromDisposeScope();
                else
                    state.momentum_buffer.mul_(momentumS).add_(grad, keepS);
                grad = o.nesterov!.Value ? grad.add(state.momentum_buffer, momentumS) : state.momentum_buffer;
            }
            p.add_(grad, stepS);
        }
    }
}
