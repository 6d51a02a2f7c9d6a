using DafL.Backends;

namespace DafL.Backends.Conformance;

public static partial class ParityCases
{
    /// <summary>The fused SGD (CIFAR students) and Adam (generator, MNIST student) updates, on the generator's l1 weight.</summary>
    static IEnumerable<ParityCase> Optim(ParitySizes z)
    {
        int[] weight = [z.Width * (z.Image / 4) * (z.Image / 4), z.Latent]; // (W·8·8, L)
        var sgds = new List<(string Name, SgdScalars Scalars, bool First)>
        {
            ("plain", new(-0.1f, 0f, 1f, 0f, false), false),
            ("weight decay 5e-4", new(-0.1f, 0f, 1f, 5e-4f, false), false),
        };
        foreach (bool nesterov in new[] { false, true })
            foreach (bool first in new[] { true, false })
                foreach (float weightDecay in new[] { 0f, 5e-4f })
                    sgds.Add(($"{(nesterov ? "Nesterov" : "momentum")} 0.9, dampening 0.25, {(first ? "first step" : "later step")}{(weightDecay == 0 ? "" : ", weight decay 5e-4")}",
                        new(-0.1f, 0.9f, 0.75f, weightDecay, nesterov), first));
        foreach (var (name, scalars, first) in sgds)
            yield return new("SgdStep", name, S(weight), ParityTolerance.PyTorchRoundings, r =>
            {
                var param = r.Normal(weight);
                var grad = r.Normal(weight);
                var buffer = scalars.Momentum != 0 ? r.Normal(weight) : null;
                r.B.SgdStep(param, grad, buffer, scalars, first);
                r.Read("param", param);
                if (buffer != null) r.Read("momentum", buffer);
            });
        (string Name, float WeightDecay, int Step)[] adams = [("step 1", 0f, 1), ("step 50, weight decay 1e-4", 1e-4f, 50)];
        foreach (var (name, weightDecay, step) in adams)
        {
            const double lr = 0.2, beta1 = 0.9, beta2 = 0.999; // the generator's Adam (lr 0.2 in the MNIST preset)
            var scalars = new AdamScalars((float)beta1, (float)(1 - beta1), (float)beta2, (float)(1 - beta2), weightDecay,
                (float)(-lr / (1 - Math.Pow(beta1, step))), (float)Math.Sqrt(1 - Math.Pow(beta2, step)), 1e-8f);
            yield return new("AdamStep", name, S(weight), ParityTolerance.PyTorchRoundings, r =>
            {
                var param = r.Normal(weight);
                var grad = r.Normal(weight);
                var m = r.Normal(weight);
                var v = r.Uniform(0, 2, weight);
                r.B.AdamStep(param, grad, m, v, scalars);
                r.Read("param", param);
                r.Read("expAvg", m);
                r.Read("expAvgSq", v);
            });
        }
        // The generator's parameter group in one multi-tensor call, against one AdamStep per tensor on the
        // reference: shapes from the l1 weight down to odd few-element vectors, each tensor at its own step.
        int w = z.Width;
        int[][] generator = [weight, [weight[0]], [w, w, 3, 3], [w], [w], [w / 2, w, 3, 3], [w / 2], [1, w / 2, 3, 3], [1], [7]];
        yield return AdamGroup($"{generator.Length} tensors of the generator, steps 1 to {generator.Length}", generator, S(weight));
        // More tensors than one launch's table holds (the CUDA backend's is 48), an empty one among them.
        int[][] many = Enumerable.Range(0, 61).Select(k => k == 5 ? new[] { 0 } : new[] { 1 + k * 37 % 101 }).ToArray();
        yield return AdamGroup($"{many.Length} small tensors, one empty, steps 1 to {many.Length}", many, S([many.Length]));
    }

    /// <summary>AdamStepMulti on tensors of <paramref name="group"/>'s shapes, tensor k at step k + 1 (weight decay on odd
    /// steps), against one AdamStep per tensor on the reference.</summary>
    static ParityCase AdamGroup(string name, int[][] group, string size)
    {
        static AdamScalars StepScalars(int step) => new(0.5f, 0.5f, 0.999f, (float)(1 - 0.999), step % 2 == 0 ? 0f : 1e-4f,
            (float)(-0.2 / (1 - Math.Pow(0.5, step))), (float)Math.Sqrt(1 - Math.Pow(0.999, step)), 1e-8f);
        (Tensor[] P, Tensor[] G, Tensor[] M, Tensor[] V) GroupInputs(OpRun r) =>
            (group.Select(r.Normal).ToArray(), group.Select(r.Normal).ToArray(), group.Select(r.Normal).ToArray(),
             group.Select(shape => r.Uniform(0, 2, shape)).ToArray());
        void ReadGroup(OpRun r, Tensor[] p, Tensor[] m, Tensor[] v)
        {
            for (int k = 0; k < group.Length; k++)
            {
                r.Read($"param {k}", p[k]);
                r.Read($"expAvg {k}", m[k]);
                r.Read($"expAvgSq {k}", v[k]);
            }
        }
        var steps = group.Select((_, k) => StepScalars(k + 1)).ToArray();
        return new("AdamStepMulti", name, size, ParityTolerance.PyTorchRoundings, r =>
        {
            var (p, g, m, v) = GroupInputs(r);
            r.B.AdamStepMulti(p, g, m, v, steps);
            ReadGroup(r, p, m, v);
        },
        Reference: r =>
        {
            var (p, g, m, v) = GroupInputs(r);
            for (int k = 0; k < group.Length; k++) r.B.AdamStep(p[k], g[k], m[k], v[k], steps[k]);
            ReadGroup(r, p, m, v);
        });
    }
}
