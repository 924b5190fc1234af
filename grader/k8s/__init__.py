"""The Kubernetes side: manifests, the cluster (applied as the submitter, cleaned up), live
diagnosis, the ingress stand-in.
"""
