// A minimal External Secrets Operator controller for the e2e control plane: the ExternalSecret,
// SecretStore and ClusterSecretStore reconcilers of the pinned ESO module, nothing else (no webhooks,
// no cert controller, no push secrets, no leader election, no metrics listener). The build overlays
// ESO's provider and generator registries with register_*.go beside this file, so the only provider
// compiled in is `fake`. It reads the cluster from $KUBECONFIG.
package main

import (
	"os"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics/server"

	esv1 "github.com/external-secrets/external-secrets/apis/externalsecrets/v1"
	esv1alpha1 "github.com/external-secrets/external-secrets/apis/externalsecrets/v1alpha1"
	genv1alpha1 "github.com/external-secrets/external-secrets/apis/generators/v1alpha1"
	"github.com/external-secrets/external-secrets/pkg/controllers/externalsecret"
	"github.com/external-secrets/external-secrets/pkg/controllers/externalsecret/esmetrics"
	"github.com/external-secrets/external-secrets/pkg/controllers/secretstore"
	"github.com/external-secrets/external-secrets/pkg/controllers/secretstore/cssmetrics"
	"github.com/external-secrets/external-secrets/pkg/controllers/secretstore/ssmetrics"
)

// storeRequeue is short so a store becomes Ready within a test's patience.
const storeRequeue = 10 * time.Second

func main() {
	ctrl.SetLogger(zap.New())
	log := ctrl.Log.WithName("setup")
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(apiextensionsv1.AddToScheme(scheme))
	utilruntime.Must(esv1.AddToScheme(scheme))
	utilruntime.Must(esv1alpha1.AddToScheme(scheme))
	utilruntime.Must(genv1alpha1.AddToScheme(scheme))
	esmetrics.SetUpMetrics()
	ssmetrics.SetUpMetrics()
	cssmetrics.SetUpMetrics()

	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:  scheme,
		Metrics: server.Options{BindAddress: "0"},
	})
	if err != nil {
		log.Error(err, "unable to start manager")
		os.Exit(1)
	}
	opts := controller.Options{MaxConcurrentReconciles: 2}
	stores := &secretstore.StoreReconciler{
		Client: mgr.GetClient(), Scheme: mgr.GetScheme(), ControllerClass: "default",
		Log: ctrl.Log.WithName("SecretStore"), RequeueInterval: storeRequeue,
	}
	clusterStores := &secretstore.ClusterStoreReconciler{
		Client: mgr.GetClient(), Scheme: mgr.GetScheme(), ControllerClass: "default",
		Log: ctrl.Log.WithName("ClusterSecretStore"), RequeueInterval: storeRequeue,
	}
	externalSecrets := &externalsecret.Reconciler{
		Client: mgr.GetClient(), SecretClient: mgr.GetClient(), Scheme: mgr.GetScheme(),
		RestConfig: mgr.GetConfig(), ControllerClass: "default", RequeueInterval: time.Hour,
		Log: ctrl.Log.WithName("ExternalSecret"), ClusterSecretStoreEnabled: true, EnableFloodGate: true,
	}
	for name, setup := range map[string]func() error{
		"SecretStore":        func() error { return stores.SetupWithManager(mgr, opts) },
		"ClusterSecretStore": func() error { return clusterStores.SetupWithManager(mgr, opts) },
		"ExternalSecret":     func() error { return externalSecrets.SetupWithManager(mgr, opts) },
	} {
		if err := setup(); err != nil {
			log.Error(err, "unable to create controller", "controller", name)
			os.Exit(1)
		}
	}
	log.Info("starting manager")
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "problem running manager")
		os.Exit(1)
	}
}
