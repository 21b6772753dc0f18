using Rcnn.Training.Solver;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Solver;

[TestClass]
public class SgdTests
{
    // TorchSharp's SGD follows torch.optim.SGD; ours must take the same steps.
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void StepsLikeTorchSharpSgdAndResumesFromItsSavedState(bool nesterov)
    {
        using var scope = NewDisposeScope();
        var (mine, theirs) = (Model(), Model());
        var groups = (nn.Module m) => new[]
        {
            new SGD.ParamGroup(new[] { m.parameters().First() }, new SGD.Options { LearningRate = 0.1, weight_decay = 1e-2 }),
            new SGD.ParamGroup(m.parameters().Skip(1), new SGD.Options { LearningRate = 0.05, weight_decay = 0 }),
        };
        using var sgd = new Sgd(groups(mine), 0.1, 0.9, 1e-2, nesterov);
        using var reference = optim.SGD(groups(theirs), 0.1, 0.9, 0, 1e-2, nesterov);
        var x = randn(new long[] { 8, 4 }, generator: new Generator(3));
        for (int i = 0; i < 5; i++)
        {
            Step(mine, sgd, x);
            Step(theirs, reference, x);
        }
        foreach (var (a, b) in mine.parameters().Zip(theirs.parameters()))
            Assert.IsTrue(a.allclose(b, rtol: 1e-6, atol: 1e-7), "parameters differ after 5 steps");

        // Saved and loaded (as a checkpoint does), the momentum buffers carry on: the next step still agrees.
        using var stream = new MemoryStream();
        sgd.save_state_dict(new BinaryWriter(stream));
        stream.Position = 0;
        var copy = Model();
        foreach (var (a, b) in copy.parameters().Zip(mine.parameters())) using (no_grad()) a.copy_(b);
        using var resumed = new Sgd(groups(copy), 0.1, 0.9, 1e-2, nesterov);
        resumed.load_state_dict(new BinaryReader(stream));
        Step(copy, resumed, x);
        Step(theirs, reference, x);
        foreach (var (a, b) in copy.parameters().Zip(theirs.parameters()))
            Assert.IsTrue(a.allclose(b, rtol: 1e-6, atol: 1e-7), "a resumed step differs");
    }

    private static nn.Module<Tensor, Tensor> Model()
    {
        var m = nn.Linear(4, 3);
        using var _ = no_grad();
        var g = new Generator(11);
        foreach (var p in m.parameters()) p.copy_(randn(p.shape, generator: g));
        return m;
    }

    private static void Step(nn.Module<Tensor, Tensor> m, optim.Optimizer o, Tensor x)
    {
        o.zero_grad();
        m.call(x).pow(3).mean().backward();
        o.step();
    }
}
